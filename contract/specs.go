package contract

import (
	"embed"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// The official documents, copied from Atlassian unchanged so that a clone is self-contained. Every
// change the tests need is made in memory by exceptions.go.
//
//go:embed specs/bitbucket-datacenter-9.4.json specs/bitbucket-cloud.json
var specFiles embed.FS

// Spec names one of the embedded documents.
type Spec string

// The documents the validator knows.
const (
	// DataCenter is the Bitbucket Data Center 9.4 REST document; its server is http://{baseurl}/rest.
	DataCenter Spec = "specs/bitbucket-datacenter-9.4.json"
	// Cloud is the Bitbucket Cloud REST 2.0 document; its server is https://api.bitbucket.org/2.0.
	Cloud Spec = "specs/bitbucket-cloud.json"
)

// loaded caches each document, parsed and patched once per process: the Data Center document takes
// a second or more to parse. The returned document is shared and must not be changed.
var loaded = map[Spec]func() (*openapi3.T, error){
	DataCenter: sync.OnceValues(func() (*openapi3.T, error) { return load(DataCenter) }),
	Cloud:      sync.OnceValues(func() (*openapi3.T, error) { return load(Cloud) }),
}

// Load returns the patched document s.
func Load(s Spec) (*openapi3.T, error) {
	f, ok := loaded[s]
	if !ok {
		return nil, fmt.Errorf("contract: unknown spec %q", s)
	}
	return f()
}

func load(s Spec) (*openapi3.T, error) {
	data, err := specFiles.ReadFile(string(s))
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: load %s: %w", s, err)
	}
	if err := patchDocument(s, doc); err != nil {
		return nil, fmt.Errorf("contract: patch %s: %w", s, err)
	}
	return doc, nil
}
