package webhooks

import (
	"encoding/json"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Event is one webhook delivery, normalised across providers.
type Event struct {
	Provider bitbucket.Provider
	// Key is the raw X-Event-Key, such as "repo:push" or "pr:opened".
	Key string
	// Type is the neutral event for Key, "" when the key has none (the delivery is then still
	// returned, with Raw and whatever common fields its payload carries).
	Type bitbucket.Event
	// DeliveryID identifies the delivery: Cloud X-Request-UUID, Data Center X-Request-Id. A
	// retry of a delivery keeps its id.
	DeliveryID string
	// HookID is the Cloud webhook's X-Hook-UUID; "" on Data Center, which sends none.
	HookID string
	// Attempt is the Cloud X-Attempt-Number, 1 for a first delivery; Data Center sends no attempt
	// number and Parse reports 1. ParsePayload, which sees no headers, leaves it 0.
	Attempt int
	// Time is the delivery's date when the payload has one (Data Center "date"); zero otherwise
	// (Cloud payloads carry none).
	Time time.Time
	// Repo is the repository the event happened in: the payload's repository, or for Data Center
	// pull-request events the pull request's destination repository.
	Repo bitbucket.RepoRef
	// Actor is who caused the event.
	Actor bitbucket.User
	// Push is set for push events.
	Push *Push
	// PullRequest is set for pull-request events, including those with no neutral name
	// (approvals, ...).
	PullRequest *PullRequest
	// Comment is set for comment events.
	Comment *Comment
	// Raw is the body exactly as received (not a copy: do not modify it).
	Raw json.RawMessage
}

// DedupeKey returns the key a Deduper uses for this delivery: Cloud X-Hook-UUID with
// X-Request-UUID, Data Center X-Request-Id. It is "" when the delivery carries no id.
func (e *Event) DedupeKey() string {
	if e == nil || e.DeliveryID == "" {
		return ""
	}
	if e.Provider == bitbucket.Cloud {
		return "cloud\x00" + e.HookID + "\x00" + e.DeliveryID
	}
	return string(e.Provider) + "\x00" + e.DeliveryID
}

// Push is a push: one change per ref it touched.
type Push struct {
	Changes []RefChange
}

// RefChange is one ref updated, created or deleted by a push.
type RefChange struct {
	// Name is the short ref name ("main", "v1.2"), never "refs/heads/main".
	Name string
	// Kind is "branch" or "tag".
	Kind string
	// Old and New are the commit hashes before and after; Old is "" when the ref was created and
	// New is "" when it was deleted.
	Old, New string
	Created  bool
	Deleted  bool
	// Forced is a non-fast-forward update, as Cloud reports it. Data Center does not say, and it
	// is always false there.
	Forced bool
	// Commits are the commits the payload carries for this change, in the payload's order (Cloud
	// sends at most five, most recent first; older Data Center servers send none). Data Center
	// sends one list per push: it is given to the change when the push touched a single ref.
	Commits []Commit
}

// Commit is a commit carried by a push payload.
type Commit struct {
	Hash    string
	Message string
	// Author is the commit author: the Bitbucket account when the provider links one, and the
	// name and e-mail from the commit otherwise.
	Author bitbucket.User
	Time   time.Time
}

// PullRequest is the pull request an event is about.
type PullRequest struct {
	ID    int
	Title string
	// URL is the pull request's web page.
	URL string
	// State is "open", "merged", "declined" or "superseded" (Cloud only).
	State string
	Draft bool
	// Source is where the changes come from, Destination where they go.
	Source, Destination PullRequestRef
	Author              bitbucket.User
	// CreatedAt and UpdatedAt are the pull request's own dates, when the payload has them.
	CreatedAt, UpdatedAt time.Time
}

// PullRequestRef is one side of a pull request.
type PullRequestRef struct {
	// Branch is the short branch name.
	Branch string
	// Commit is the head commit hash (Cloud payloads often carry a 12-character short hash).
	Commit string
	Repo   bitbucket.RepoRef
}

// Comment is a pull-request (or commit) comment an event is about.
type Comment struct {
	ID   int64
	Text string
	// ParentID is the comment this one replies to; 0 for a top-level comment.
	ParentID int64
	Author   bitbucket.User
	// URL is the comment's web page when the payload gives one (Cloud); "" on Data Center.
	URL  string
	Time time.Time
}
