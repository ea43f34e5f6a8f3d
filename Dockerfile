# Builds the prodready manager image.
#   docker build -t ghcr.io/prodready/prodready:dev .            (or: make docker-build)
#   docker buildx build --platform linux/amd64,linux/arm64 ...   (multi-arch)

FROM golang:1.26 AS builder
# Set by buildx for the target platform; empty with a plain `docker build`.
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace

# Download modules in their own layer so that it stays cached until go.mod or
# go.sum change.
COPY go.mod go.sum ./
RUN go mod download

# Only the Go sources the manager is built from (see .dockerignore).
COPY cmd/ cmd/
COPY api/ api/
COPY internal/ internal/

# GOARCH has no default so that a plain `docker build` builds for the host's
# architecture; buildx sets TARGETARCH per platform.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager ./cmd

# A static binary needs no libc or shell: distroless/static is enough, and its
# nonroot variant runs as UID/GID 65532.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager /manager
USER 65532:65532

ENTRYPOINT ["/manager"]
