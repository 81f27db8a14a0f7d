package server

import (
	"os"
	"testing"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

// recorded answers with a body from testdata.
func recorded(t *testing.T, name string) httpmock.Responder {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return httpmock.NewBytesResponder(200, b).HeaderSet(map[string][]string{"Content-Type": {"application/json"}})
}

// A 10.x server may write webhook dates as ISO strings; numbers and null still read.
func TestListWebhooksDatesInAnyForm(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", hooksURL, recorded(t, "webhooks_10x_page.json"))
	hooks, err := c.ListWebhooks(t.Context(), hookRepo)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("ListWebhooks = %v, %v", hooks, err)
	}
	if want := time.Date(2026, 6, 1, 10, 15, 30, 123e6, time.UTC); !hooks[0].CreatedAt.Equal(want) {
		t.Errorf("ISO createdDate read as %v, want %v", hooks[0].CreatedAt, want)
	}
	if !hooks[1].CreatedAt.Equal(time.UnixMilli(1718000000000)) {
		t.Errorf("epoch createdDate read as %v", hooks[1].CreatedAt)
	}
}

// Branches as a real server sends them: isDefault on each.
func TestListBranchesRecorded(t *testing.T) {
	c, mt := newTestClient(t)
	mt.RegisterResponder("GET", branchesURL, recorded(t, "branches_page.json"))
	got, err := bitbucket.Collect(c.ListBranches(t.Context(), permRepo, bitbucket.ListBranchesOptions{}))
	if err != nil || len(got) != 2 || got[0].Default || !got[1].Default || got[1].Commit != "8d51122def5632836d1cb1026e879069e10a1e13" {
		t.Fatalf("ListBranches = %+v, %v", got, err)
	}
}
