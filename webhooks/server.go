package webhooks

import (
	"encoding/json"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Bitbucket Data Center payloads (reference §2.6). Only the fields the neutral model uses are
// decoded; the rest of the body is skipped by the decoder and stays available in Event.Raw.

type serverPayload struct {
	Date            wireTime       `json:"date"`
	Actor           serverUser     `json:"actor"`
	Repository      serverRepo     `json:"repository"`
	Changes         []serverChange `json:"changes"` // repo:refs_changed
	Commits         []serverCommit `json:"commits"` // newer servers only
	PullRequest     *serverPR      `json:"pullRequest"`
	Comment         *serverComment `json:"comment"`
	CommentParentID int64          `json:"commentParentId"`
}

type serverUser struct {
	ID          json.Number `json:"id"` // a number; a numeric string is accepted too
	Name        string      `json:"name"`
	Slug        string      `json:"slug"`
	DisplayName string      `json:"displayName"`
	Email       string      `json:"emailAddress"`
}

type serverRepo struct {
	Slug    string `json:"slug"`
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
}

type serverChange struct {
	Ref struct {
		ID        string `json:"id"`
		DisplayID string `json:"displayId"`
		Type      string `json:"type"` // BRANCH | TAG
	} `json:"ref"`
	RefID    string `json:"refId"`
	FromHash string `json:"fromHash"`
	ToHash   string `json:"toHash"`
	Type     string `json:"type"` // ADD | UPDATE | DELETE
}

type serverCommit struct {
	ID              string     `json:"id"`
	Message         string     `json:"message"`
	Author          serverUser `json:"author"`
	AuthorTimestamp wireTime   `json:"authorTimestamp"`
}

type serverPR struct {
	ID      int         `json:"id"`
	Title   string      `json:"title"`
	State   string      `json:"state"`
	Draft   bool        `json:"draft"`
	FromRef serverPRRef `json:"fromRef"`
	ToRef   serverPRRef `json:"toRef"`
	Author  struct {
		User serverUser `json:"user"`
	} `json:"author"`
	Links struct {
		Self []struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"links"`
	CreatedDate wireTime `json:"createdDate"` // epoch ms; ISO strings on some newer servers
	UpdatedDate wireTime `json:"updatedDate"`
}

type serverPRRef struct {
	ID           string     `json:"id"`
	DisplayID    string     `json:"displayId"`
	LatestCommit string     `json:"latestCommit"`
	Repository   serverRepo `json:"repository"`
}

type serverComment struct {
	ID          int64      `json:"id"`
	Text        string     `json:"text"`
	Author      serverUser `json:"author"`
	CreatedDate wireTime   `json:"createdDate"`
}

// fill copies the decoded payload into ev.
func (w *serverPayload) fill(ev *Event) {
	ev.Time = w.Date.Time
	ev.Actor = w.Actor.user()
	ev.Repo = w.Repository.ref()
	if w.Changes != nil {
		ev.Push = w.push()
	}
	if w.PullRequest != nil {
		ev.PullRequest = w.PullRequest.neutral()
		if ev.Repo == (bitbucket.RepoRef{}) {
			ev.Repo = ev.PullRequest.Destination.Repo
		}
	}
	if w.Comment != nil {
		c := w.Comment
		ev.Comment = &Comment{
			ID:       c.ID,
			Text:     c.Text,
			ParentID: w.CommentParentID,
			Author:   c.Author.user(),
			Time:     c.CreatedDate.Time,
		}
	}
}

func (u *serverUser) user() bitbucket.User {
	username := u.Slug
	if username == "" {
		username = u.Name
	}
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	return bitbucket.User{ID: u.ID.String(), Username: username, DisplayName: display, Email: u.Email}
}

func (r *serverRepo) ref() bitbucket.RepoRef {
	if r.Slug == "" || r.Project.Key == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: r.Project.Key, Slug: r.Slug}
}

func (w *serverPayload) push() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(w.Changes))}
	for i := range w.Changes {
		c := &w.Changes[i]
		full := c.Ref.ID
		if full == "" {
			full = c.RefID
		}
		name := c.Ref.DisplayID
		if name == "" {
			name = shortRef(full)
		}
		rc := RefChange{
			Name: name,
			Kind: refKind(c.Ref.Type, full),
			Old:  noHash(c.FromHash),
			New:  noHash(c.ToHash),
		}
		rc.Created = c.Type == "ADD" || (rc.Old == "" && rc.New != "")
		rc.Deleted = c.Type == "DELETE" || (rc.New == "" && rc.Old != "")
		if rc.Created {
			rc.Old = ""
		}
		if rc.Deleted {
			rc.New = ""
		}
		push.Changes = append(push.Changes, rc)
	}
	// Data Center sends one commit list per push, not per ref: it belongs to the change only when
	// there is a single one.
	if len(w.Commits) > 0 && len(push.Changes) == 1 && !push.Changes[0].Deleted {
		commits := make([]Commit, len(w.Commits))
		for j := range w.Commits {
			c := &w.Commits[j]
			commits[j] = Commit{Hash: c.ID, Message: c.Message, Author: c.Author.user(), Time: c.AuthorTimestamp.Time}
		}
		push.Changes[0].Commits = commits
	}
	return push
}

func (p *serverPR) neutral() *PullRequest {
	pr := &PullRequest{
		ID:          p.ID,
		Title:       p.Title,
		State:       prState(p.State),
		Draft:       p.Draft,
		Source:      p.FromRef.neutral(),
		Destination: p.ToRef.neutral(),
		Author:      p.Author.User.user(),
		CreatedAt:   p.CreatedDate.Time,
		UpdatedAt:   p.UpdatedDate.Time,
	}
	if len(p.Links.Self) > 0 {
		pr.URL = p.Links.Self[0].Href
	}
	return pr
}

func (r *serverPRRef) neutral() PullRequestRef {
	branch := r.DisplayID
	if branch == "" {
		branch = shortRef(r.ID)
	}
	return PullRequestRef{Branch: branch, Commit: r.LatestCommit, Repo: r.Repository.ref()}
}
