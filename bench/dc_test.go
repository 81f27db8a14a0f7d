package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/server"
	"github.com/fluxcd/go-git-providers/stash"
	gfleury "github.com/gfleury/go-bitbucket-v1"
	"github.com/go-logr/logr"
)

const dcProject = "PROJ"

var dcCases = []listCase{
	{name: "bbconnect", pageSize: 1000, make: dcBBConnect},
	// The server answers with less than bbconnect asks for: it must follow nextPageStart and the
	// limit the server gives back, and still list every repository exactly once.
	{name: "bbconnect-server-capped-25", pageSize: 25, make: dcBBConnect, fakeLimit: 25},
	{name: "gfleury-limit25", pageSize: 25, make: dcGfleury(25)},
	{name: "gfleury-limit1000", pageSize: 1000, make: dcGfleury(1000)},
	{name: "fluxcd-stash", pageSize: 25, make: dcFluxcd},
	{name: "bare-nethttp", pageSize: 1000, make: dcBare},
}

// BenchmarkDCListProject lists every repository of one Data Center project.
func BenchmarkDCListProject(b *testing.B) {
	benchList(b, bitbucket.Server, dcProject, dcCases)
}

func TestDCListProject(t *testing.T) {
	testList(t, bitbucket.Server, dcProject, 60, dcCases)
}

func dcBBConnect(tb testing.TB, u, ns string, hc *http.Client) lister {
	c, err := server.New(u, auth.Bearer(benchTok), loopbackOptions(hc)...)
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context, seen func(ns, slug string)) error {
		for r, err := range c.ListRepositories(ctx, bitbucket.ListRepositoriesOptions{Namespace: ns}) {
			if err != nil {
				return err
			}
			seen(r.Ref.Namespace, r.Ref.Slug)
		}
		return nil
	}
}

// maxPages bounds the hand-written paging loops the peers need, which would otherwise follow a
// server that never says it is done.
const maxPages = 100_000

// dcGfleury lists with github.com/gfleury/go-bitbucket-v1: the caller writes the paging loop
// (HasNextPage) and the client holds the context it was built with, so it is built per listing.
func dcGfleury(limit int) func(tb testing.TB, u, ns string, hc *http.Client) lister {
	return func(tb testing.TB, u, ns string, hc *http.Client) lister {
		return func(ctx context.Context, seen func(ns, slug string)) error {
			ctx = context.WithValue(ctx, gfleury.ContextAccessToken, benchTok)
			c := gfleury.NewAPIClient(ctx, gfleury.NewConfiguration(u+"/rest", func(cfg *gfleury.Configuration) {
				cfg.HTTPClient = hc
			}))
			start := 0
			for range maxPages {
				resp, err := c.DefaultApi.GetRepositoriesWithOptions(ns, map[string]any{"limit": limit, "start": start})
				if err != nil {
					return err
				}
				repos, err := gfleury.GetRepositoriesResponse(resp)
				if err != nil {
					return err
				}
				for _, r := range repos {
					key := ""
					if r.Project != nil {
						key = r.Project.Key
					}
					seen(key, r.Slug)
				}
				more, next := gfleury.HasNextPage(resp)
				if !more {
					return nil
				}
				start = next
			}
			return fmt.Errorf("more than %d pages", maxPages)
		}
	}
}

// dcFluxcd lists with the stash package of github.com/fluxcd/go-git-providers
// (RepositoriesService.All, 25 a page). Its client probes the server once for rate-limit headers
// on its first call; the client is built once per benchmark, as a service would keep it.
func dcFluxcd(tb testing.TB, u, ns string, hc *http.Client) lister {
	c, err := stash.NewClient(hc, u, nil, logr.Discard(), stash.WithAuth(benchUser, benchTok))
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context, seen func(ns, slug string)) error {
		repos, err := c.Repositories.All(ctx, ns)
		if err != nil {
			return err
		}
		for _, r := range repos {
			seen(r.Project.Key, r.Slug)
		}
		return nil
	}
}

// dcPage is the least a client must decode to list repositories and follow pages.
type dcPage struct {
	IsLastPage    bool `json:"isLastPage"`
	NextPageStart int  `json:"nextPageStart"`
	Values        []struct {
		Slug    string `json:"slug"`
		Project struct {
			Key string `json:"key"`
		} `json:"project"`
	} `json:"values"`
}

// dcBare is the reference: a net/http loop making bbconnect's requests (limit 1000), decoding a
// minimal struct.
func dcBare(tb testing.TB, u, ns string, hc *http.Client) lister {
	base := u + "/rest/api/1.0/projects/" + url.PathEscape(ns) + "/repos?limit=1000&start="
	return func(ctx context.Context, seen func(ns, slug string)) error {
		start := 0
		for range maxPages {
			var p dcPage
			if err := getJSON(ctx, hc, base+strconv.Itoa(start), &p); err != nil {
				return err
			}
			for _, v := range p.Values {
				seen(v.Project.Key, v.Slug)
			}
			if p.IsLastPage {
				return nil
			}
			start = p.NextPageStart
		}
		return fmt.Errorf("more than %d pages", maxPages)
	}
}
