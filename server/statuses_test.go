package server

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/jarcoal/httpmock"
)

const statusCommit = "8d51122def5632836d1cb1026e879069e10a1e13"

// A build status is an upsert keyed by Key: a POST answered 503 is sent again, like a PUT. The
// state is the version's: CANCELLED for a stopped build from 9.2.
func TestSetCommitStatusRetriesAndMapsState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := newMock(t)
		registerVersion(t, mt, "9.4.2")
		var attempts atomic.Int64
		var body map[string]any
		mt.RegisterResponder("POST", testAPI+"/projects/PRJ/repos/api/commits/"+statusCommit+"/builds", func(r *http.Request) (*http.Response, error) {
			if attempts.Add(1) == 1 {
				return jsonResponse(503, restErrors("try again", "com.atlassian.bitbucket.ServiceException"))
			}
			body = readJSON(t, r)
			return httpmock.NewStringResponse(204, ""), nil
		})
		c, err := New(testBase, auth.Bearer(testToken), bitbucket.WithTransport(mt), bitbucket.WithRetry(2, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		st := bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildStopped, Name: "CI", Description: "stopped", URL: "https://ci.example.com/1"}
		if err := c.SetCommitStatus(t.Context(), permRepo, statusCommit, st); err != nil {
			t.Fatal(err)
		}
		if attempts.Load() != 2 {
			t.Errorf("%d attempts; a status POST is an upsert and must be retried", attempts.Load())
		}
		want := map[string]any{"key": "ci", "state": "CANCELLED", "name": "CI", "description": "stopped", "url": "https://ci.example.com/1"}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("body %s = %v, want %v", k, body[k], v)
			}
		}
	})
}

// Before 7.4 the status goes to the build-status root, and a stopped build is FAILED.
func TestSetCommitStatusLegacyRoot(t *testing.T) {
	c, mt := newTestClient(t)
	registerVersion(t, mt, "7.3.1")
	var state string
	mt.RegisterResponder("POST", testBase+"/rest/build-status/1.0/commits/"+statusCommit, func(r *http.Request) (*http.Response, error) {
		state, _ = readJSON(t, r)["state"].(string)
		return &http.Response{StatusCode: 204, Body: io.NopCloser(http.NoBody), Request: r}, nil
	})
	err := c.SetCommitStatus(t.Context(), permRepo, statusCommit, bitbucket.CommitStatus{Key: "ci", State: bitbucket.BuildStopped, URL: "https://ci.example.com/1"})
	if err != nil || state != "FAILED" {
		t.Errorf("legacy: state %q, err %v", state, err)
	}
}
