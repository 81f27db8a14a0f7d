package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/cloud"
	ktrysmt "github.com/ktrysmt/go-bitbucket"
)

const cloudWorkspace = "ws"

// cloudFields is the fields filter bbconnect sends on repository pages; the bare loop sends the
// same, so that both make the same requests.
const cloudFields = "next,values.uuid,values.full_name,values.name,values.description,values.is_private," +
	"values.mainbranch.name,values.project.key,values.links.html.href,values.links.clone,values.updated_on"

var cloudCases = []listCase{
	{name: "bbconnect", pageSize: 100, make: cloudBBConnect},
	{name: "ktrysmt-pagelen10", pageSize: 10, make: cloudKtrysmt(0)},
	{name: "ktrysmt-pagelen100", pageSize: 100, make: cloudKtrysmt(100)},
	{name: "bare-nethttp", pageSize: 100, make: cloudBare(true)},
	{name: "bare-nethttp-nofields", pageSize: 100, make: cloudBare(false)},
}

// BenchmarkCloudListWorkspace lists every repository of one workspace.
func BenchmarkCloudListWorkspace(b *testing.B) {
	benchList(b, bitbucket.Cloud, cloudWorkspace, cloudCases)
}

func TestCloudListWorkspace(t *testing.T) {
	testList(t, bitbucket.Cloud, cloudWorkspace, 150, cloudCases)
}

func cloudBBConnect(tb testing.TB, u, ns string, hc *http.Client) lister {
	c, err := cloud.New(auth.Bearer(benchTok), append(loopbackOptions(hc), bitbucket.WithBaseURL(u))...)
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

// cloudKtrysmt lists with github.com/ktrysmt/go-bitbucket, which pages on its own; pagelen 0
// keeps its default (10). It takes no context: the http.Client's timeout bounds it.
func cloudKtrysmt(pagelen int) func(tb testing.TB, u, ns string, hc *http.Client) lister {
	return func(tb testing.TB, u, ns string, hc *http.Client) lister {
		c, err := ktrysmt.NewOAuthbearerTokenWithBaseUrlStr(benchTok, u)
		if err != nil {
			tb.Fatal(err)
		}
		c.HttpClient = hc
		if pagelen > 0 {
			c.Pagelen = pagelen
		}
		return func(ctx context.Context, seen func(ns, slug string)) error {
			res, err := c.Repositories.ListForAccount(&ktrysmt.RepositoriesOptions{Owner: ns})
			if err != nil {
				return err
			}
			for _, r := range res.Items {
				a, b, _ := strings.Cut(r.Full_name, "/")
				seen(a, b)
			}
			return nil
		}
	}
}

// cloudPage is the least a client must decode to list repositories and follow pages.
type cloudPage struct {
	Values []struct {
		FullName string `json:"full_name"`
	} `json:"values"`
	Next string `json:"next"`
}

// cloudBare is the reference: a loop over net/http making the requests bbconnect makes (pagelen
// 100, with or without the fields filter), decoding a minimal struct.
func cloudBare(fields bool) func(tb testing.TB, u, ns string, hc *http.Client) lister {
	return func(tb testing.TB, u, ns string, hc *http.Client) lister {
		q := url.Values{"pagelen": {"100"}}
		if fields {
			q.Set("fields", cloudFields)
		}
		first := u + "/repositories/" + url.PathEscape(ns) + "?" + q.Encode()
		return func(ctx context.Context, seen func(ns, slug string)) error {
			for next, pages := first, 0; next != ""; pages++ {
				if pages > 1_000_000 {
					return fmt.Errorf("too many pages")
				}
				var p cloudPage
				if err := getJSON(ctx, hc, next, &p); err != nil {
					return err
				}
				for _, v := range p.Values {
					a, b, _ := strings.Cut(v.FullName, "/")
					seen(a, b)
				}
				next = p.Next
			}
			return nil
		}
	}
}

// getJSON is the bare loop's one request: GET with the bearer token, decode the body.
func getJSON(ctx context.Context, hc *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchTok)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return err
	}
	// Read to EOF so that the connection goes back to the pool.
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
