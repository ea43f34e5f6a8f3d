// Command etcd is etcd's server, built from the Go module proxy by
// hack/envtest.sh for envtest and the local control plane. It is its own
// module because etcd's dependencies differ from the Kubernetes tool module's.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
