package server

import (
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

func branch(name, commit string, flags map[string]any) map[string]any {
	b := map[string]any{"id": "refs/heads/" + name, "displayId": name, "type": "BRANCH", "latestCommit": commit, "latestChangeset": commit}
	for k, v := range flags {
		b[k] = v
	}
	return b
}

const branchesURL = testAPI + "/projects/PRJ/repos/api/branches"

func defaults(bs []*bitbucket.Branch) []string {
	var out []string
	for _, b := range bs {
		if b.Default {
			out = append(out, b.Name)
		}
	}
	return out
}

// The default is read from isDefault (real servers) or default (the 9.x schema), and asked for
// once per listing when the branches carry neither: default-branch from 7.0, branches/default
// before or where the newer resource is missing, 204 meaning an empty repository.
func TestListBranchesDefault(t *testing.T) {
	for _, c := range []struct {
		name, version string
		flags         [2]map[string]any
		serve         func(mt *httpmock.MockTransport)
		want          []string
	}{
		{"isDefault", "9.4.2", [2]map[string]any{{"isDefault": false}, {"isDefault": true}}, nil, []string{"main"}},
		{"default", "9.4.2", [2]map[string]any{{"default": false}, {"default": true}}, nil, []string{"main"}},
		{"default-branch", "8.0.0", [2]map[string]any{}, func(mt *httpmock.MockTransport) {
			mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/api/default-branch", httpmock.NewJsonResponderOrPanic(200, map[string]any{"id": "refs/heads/main", "displayId": "main", "type": "BRANCH"}))
		}, []string{"main"}},
		{"branches/default before 7.0", "6.10.0", [2]map[string]any{}, func(mt *httpmock.MockTransport) {
			mt.RegisterResponder("GET", branchesURL+"/default", httpmock.NewJsonResponderOrPanic(200, branch("main", "c2", nil)))
		}, []string{"main"}},
		{"empty repository (204)", "6.10.0", [2]map[string]any{}, func(mt *httpmock.MockTransport) {
			mt.RegisterResponder("GET", branchesURL+"/default", httpmock.NewStringResponder(204, ""))
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := newTestClient(t)
			registerVersion(t, mt, c.version)
			if c.serve != nil {
				c.serve(mt)
			}
			mt.RegisterResponderWithQuery("GET", branchesURL, "start=0&limit=1", jsonResponder(t, 200, page(0, 1, 1, branch("dev", "c1", c.flags[0]))))
			mt.RegisterResponderWithQuery("GET", branchesURL, "start=1&limit=1", jsonResponder(t, 200, page(1, 1, -1, branch("main", "c2", c.flags[1]))))
			got, err := bitbucket.Collect(cl.ListBranches(t.Context(), permRepo, bitbucket.ListBranchesOptions{PageSize: 1}))
			if err != nil || len(got) != 2 || got[1].Commit != "c2" {
				t.Fatalf("ListBranches = %v, %v", got, err)
			}
			if d := defaults(got); len(d) != len(c.want) || (len(d) == 1 && d[0] != c.want[0]) {
				t.Errorf("defaults = %v, want %v", d, c.want)
			}
			asked := calls(mt, "GET "+testAPI+"/projects/PRJ/repos/api/default-branch") + calls(mt, "GET "+branchesURL+"/default")
			if want := map[bool]int{true: 0, false: 1}[c.serve == nil]; asked != want {
				t.Errorf("default asked %d times, want %d", asked, want)
			}
		})
	}
}

// filterText carries the query, and the cursor resumes where the page ended.
func TestListBranchesPageCursor(t *testing.T) {
	cl, mt := newTestClient(t)
	mt.RegisterResponderWithQuery("GET", branchesURL, "filterText=fix&start=0&limit=2", jsonResponder(t, 200, page(0, 2, 7, branch("fix-a", "c", map[string]any{"isDefault": false}))))
	mt.RegisterResponderWithQuery("GET", branchesURL, "filterText=fix&start=7&limit=2", jsonResponder(t, 200, page(7, 2, -1, branch("fix-b", "c", map[string]any{"isDefault": false}))))
	p, err := cl.ListBranchesPage(t.Context(), permRepo, bitbucket.ListBranchesOptions{Query: "fix", PageSize: 2})
	if err != nil || len(p.Items) != 1 || p.Next == "" {
		t.Fatalf("page 1 = %+v, %v", p, err)
	}
	p, err = cl.ListBranchesPage(t.Context(), permRepo, bitbucket.ListBranchesOptions{Cursor: p.Next, PageSize: 2})
	if err != nil || len(p.Items) != 1 || p.Items[0].Name != "fix-b" || p.Next != "" {
		t.Fatalf("page 2 = %+v, %v", p, err)
	}
}
