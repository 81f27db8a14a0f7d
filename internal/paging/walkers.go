package paging

import (
	"context"
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// CloudPage is the envelope of every Bitbucket Cloud paged list: the values and the link of the
// next page, absent on the last.
type CloudPage[W any] struct {
	Values []W    `json:"values"`
	Next   string `json:"next"`
}

// NextLinks is the Cloud next-link walker. Its state is the link of the page to fetch, "" for
// the first page; get fetches and decodes that page (the provider sends the first page's path and
// query itself, and follows a link as it came, after checking it is on the API's origin). Each
// wire value becomes an item through convert.
func NextLinks[W, T any](get func(ctx context.Context, link string) (CloudPage[W], error), convert func(*W) T) Source[string, T] {
	return func(ctx context.Context, link string) (Batch[string, T], error) {
		p, err := get(ctx, link)
		if err != nil {
			return Batch[string, T]{}, err
		}
		return Batch[string, T]{Items: convertAll(p.Values, convert), Next: p.Next, More: p.Next != ""}, nil
	}
}

// ServerPage is the envelope of every Data Center paged list.
type ServerPage[W any] struct {
	Values        []W  `json:"values"`
	Limit         int  `json:"limit"`
	IsLastPage    bool `json:"isLastPage"`
	NextPageStart *int `json:"nextPageStart"`
}

// StartAt is the state of a Data Center listing: where the page starts and how many items to ask
// for. With Adapt set, the limit the server answers with is asked for from then on (a server caps
// limit by its page.max settings).
type StartAt struct {
	Start int
	Limit int
	Adapt bool
}

// Starts is the Data Center start/nextPageStart walker; get fetches and decodes the page at.
// A page that says more follow must give a nextPageStart past its start, or the walk would never
// end: anything else is an error wrapping bitbucket.ErrPaginationStalled (BSERV-12725).
func Starts[W, T any](get func(ctx context.Context, at StartAt) (ServerPage[W], error), convert func(*W) T) Source[StartAt, T] {
	return func(ctx context.Context, at StartAt) (Batch[StartAt, T], error) {
		p, err := get(ctx, at)
		if err != nil {
			return Batch[StartAt, T]{}, err
		}
		b := Batch[StartAt, T]{Items: convertAll(p.Values, convert)}
		switch {
		case p.IsLastPage:
			return b, nil
		case p.NextPageStart == nil:
			return Batch[StartAt, T]{}, fmt.Errorf("%w: the server says more pages follow (isLastPage false) but gives no nextPageStart", bitbucket.ErrPaginationStalled)
		case *p.NextPageStart <= at.Start:
			return Batch[StartAt, T]{}, fmt.Errorf("%w: nextPageStart %d does not move past start %d", bitbucket.ErrPaginationStalled, *p.NextPageStart, at.Start)
		}
		b.Next, b.More = at, true
		b.Next.Start = *p.NextPageStart
		if at.Adapt && p.Limit > 0 {
			b.Next.Limit = p.Limit
		}
		return b, nil
	}
}

func convertAll[W, T any](values []W, convert func(*W) T) []T {
	items := make([]T, len(values))
	for i := range values {
		items[i] = convert(&values[i])
	}
	return items
}
