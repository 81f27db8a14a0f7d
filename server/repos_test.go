package server

import (
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestGetRepository(t *testing.T) {
	c, mt := newTestClient(t)
	w := repository(42, "~ADA", "dots", "Dot files")
	w["public"], w["archived"], w["defaultBranch"] = true, true, "trunk"
	w["project"] = project(9, "~ADA", "Ada Lovelace", "PERSONAL")
	mt.RegisterResponder("GET", testAPI+"/projects/~ADA/repos/dots", jsonResponder(t, 200, w))
	r, err := c.GetRepository(t.Context(), bitbucket.RepoRef{Namespace: "~ADA", Slug: "dots"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "42" || r.Private || !r.Archived || r.DefaultBranch != "trunk" || r.Project != "~ADA" || r.Ref.Slug != "dots" {
		t.Errorf("repository = %+v", *r)
	}

	mt.RegisterResponder("GET", testAPI+"/projects/PRJ/repos/missing", jsonResponder(t, 404, restErrors("Repository PRJ/missing does not exist.", excNoSuchRepo)))
	_, err = c.GetRepository(t.Context(), bitbucket.RepoRef{Namespace: "PRJ", Slug: "missing"})
	var apiErr *bitbucket.APIError
	if !errors.Is(err, bitbucket.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code != excNoSuchRepo {
		t.Errorf("missing: err = %v, want a 404 *APIError with its exception name", err)
	}
	if _, err := c.GetRepository(t.Context(), bitbucket.RepoRef{Namespace: "PRJ", Slug: "a b"}); !errors.Is(err, bitbucket.ErrInvalidInput) {
		t.Errorf("bad ref: err = %v, want ErrInvalidInput", err)
	}
}

func TestProject(t *testing.T) {
	c, mt := newTestClient(t)
	p := project(7, "PRJ", "Platform", "NORMAL")
	p["description"], p["public"] = "the platform team", true
	mt.RegisterResponder("GET", testAPI+"/projects/PRJ", jsonResponder(t, 200, p))
	got, err := c.Project(t.Context(), "PRJ")
	want := Project{ID: "7", Key: "PRJ", Name: "Platform", Description: "the platform team", Public: true, WebURL: testBase + "/projects/PRJ"}
	if err != nil || *got != want {
		t.Errorf("Project = %+v, %v; want %+v", got, err, want)
	}
	for _, key := range []string{"", "A/B", "A B", "A\x00"} {
		if _, err := c.Project(t.Context(), key); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("Project(%q): err = %v, want ErrInvalidInput", key, err)
		}
	}
}

func TestApplicationProperties(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "9.4.2")
	p, err := c.ApplicationProperties(t.Context())
	if err != nil || p.Version != "9.4.2" || p.DisplayName != "Bitbucket" || p.BuildNumber != "9004002" {
		t.Fatalf("ApplicationProperties = %+v, %v", p, err)
	}
	// The version is remembered: no second request.
	if v, err := c.Version(t.Context()); err != nil || v != "9.4.2" || mt.GetTotalCallCount() != 1 {
		t.Errorf("Version = %q, %v after %d requests", v, err, mt.GetTotalCallCount())
	}
}
