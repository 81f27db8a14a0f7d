package bitbuckettest

import (
	"net/http"
	"strconv"
)

const (
	dcDefaultLimit = 25   // Data Center's page size when the request gives no limit
	dcMaxLimit     = 1000 // Data Center's default page.max cap
)

// dcPage is Data Center's paged envelope.
type dcPage[T any] struct {
	Size          int  `json:"size"`
	Limit         int  `json:"limit"`
	IsLastPage    bool `json:"isLastPage"`
	Start         int  `json:"start"`
	NextPageStart *int `json:"nextPageStart,omitempty"`
	Values        []T  `json:"values"`
}

// dcPosition is the start value that designates the item at index i of a list. It is not i: real
// servers page by ids that may be non-contiguous, so a client must follow nextPageStart rather than
// compute start+limit, and one that computes it gets items twice here.
func dcPosition(i int) int { return 2 * i }

// dcIndex is the index of the first item whose position is at least start.
func dcIndex(start int) int { return (start + 1) / 2 }

// dcPaginate cuts items into the page r asks for (start, limit). It writes a 400 and returns false
// when start or limit is not a number. It is called with s.mu held.
func dcPaginate[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) (dcPage[T], bool) {
	q := r.URL.Query()
	start, limit := 0, dcDefaultLimit
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.writeError(w, http.StatusBadRequest, "start must be a non-negative number", excBadRequest)
			return dcPage[T]{}, false
		}
		start = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, http.StatusBadRequest, "limit must be a number", excBadRequest)
			return dcPage[T]{}, false
		}
		if n > 0 {
			limit = n
		}
	}
	maxLimit := dcMaxLimit
	if s.pageLimit > 0 {
		maxLimit = s.pageLimit
	}
	limit = min(limit, maxLimit)

	from := len(items)
	if start < dcPosition(len(items)) {
		from = dcIndex(start)
	}
	to := min(from+limit, len(items))
	p := dcPage[T]{Size: to - from, Limit: limit, Start: start, Values: items[from:to]}
	if p.Values == nil {
		p.Values = []T{}
	}
	last := to >= len(items)
	switch {
	case !last:
		next := dcPosition(to)
		p.NextPageStart = &next
	case s.dc.quirk == PagingStalled:
		again := start
		p.NextPageStart = &again
	case s.dc.quirk == PagingMissingNext:
	default:
		p.IsLastPage = true
	}
	return p, true
}
