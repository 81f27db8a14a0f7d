package httpx

import (
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/google/go-querystring/query"
)

// encodeQuery encodes a request's query: a struct with `url:` tags, through go-querystring. Nil
// is no query.
func encodeQuery(q any) (string, error) {
	if q == nil {
		return "", nil
	}
	v, err := query.Values(q)
	if err != nil {
		return "", fmt.Errorf("%w: encode query: %v", bitbucket.ErrInvalidInput, err)
	}
	return v.Encode(), nil
}
