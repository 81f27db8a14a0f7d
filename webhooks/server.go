package webhooks

import (
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Bitbucket Data Center payloads (reference §2.6). Only the members the neutral model uses are
// decoded (the JSON names are given beside each field); the rest of the body is validated and
// skipped, and stays available in Event.Raw.

type serverPayload struct {
	Date            time.Time      // date: "2026-01-02T15:04:05+0100"
	Actor           serverUser     // actor
	Repository      serverRepo     // repository
	Changes         []serverChange // changes (repo:refs_changed); nil when absent
	Commits         []serverCommit // commits (newer servers only)
	PullRequest     *serverPR      // pullRequest
	Comment         *serverComment // comment
	CommentParentID int64          // commentParentId
}

type serverUser struct {
	ID          string // id: a number (a string is accepted too)
	Name        string // name
	Slug        string // slug
	DisplayName string // displayName
	Email       string // emailAddress
}

type serverRepo struct {
	Slug       string // slug
	ProjectKey string // project.key
}

type serverChange struct {
	RefID        string // ref.id, or refId
	RefDisplayID string // ref.displayId
	RefType      string // ref.type: BRANCH | TAG
	FromHash     string // fromHash
	ToHash       string // toHash
	Type         string // type: ADD | UPDATE | DELETE
}

type serverCommit struct {
	ID              string     // id
	Message         string     // message
	Author          serverUser // author
	AuthorTimestamp time.Time  // authorTimestamp: epoch ms
}

type serverPR struct {
	ID          int         // id
	Title       string      // title
	State       string      // state
	Draft       bool        // draft
	FromRef     serverPRRef // fromRef
	ToRef       serverPRRef // toRef
	Author      serverUser  // author.user
	Self        string      // links.self[0].href
	CreatedDate time.Time   // createdDate: epoch ms; ISO strings on some newer servers
	UpdatedDate time.Time   // updatedDate
}

type serverPRRef struct {
	ID           string     // id
	DisplayID    string     // displayId
	LatestCommit string     // latestCommit
	Repository   serverRepo // repository
}

type serverComment struct {
	ID          int64      // id
	Text        string     // text
	Author      serverUser // author
	CreatedDate time.Time  // createdDate
}

// decodeServer reads a Data Center payload; its errors wrap ErrMalformedPayload.
func decodeServer(doc string, w *serverPayload) error {
	s := scanner{s: doc}
	s.object(func(key string) {
		switch key {
		case "date":
			w.Date = s.time()
		case "actor":
			s.serverUser(&w.Actor)
		case "repository":
			s.serverRepo(&w.Repository)
		case "changes":
			if !s.openArray() {
				return
			}
			w.Changes = []serverChange{}
			for m := 0; s.nextElem(m); m++ {
				w.Changes = append(w.Changes, serverChange{})
				s.serverChange(&w.Changes[len(w.Changes)-1])
			}
		case "commits":
			s.array(func() {
				w.Commits = append(w.Commits, serverCommit{})
				s.serverCommit(&w.Commits[len(w.Commits)-1])
			})
		case "pullRequest":
			if !s.null() {
				w.PullRequest = new(serverPR)
				s.serverPR(w.PullRequest)
			}
		case "comment":
			if !s.null() {
				w.Comment = new(serverComment)
				s.serverComment(w.Comment)
			}
		case "commentParentId":
			w.CommentParentID = s.integer(64)
		default:
			s.skip()
		}
	})
	s.end()
	return s.err
}

func (s *scanner) serverUser(u *serverUser) {
	s.object(func(key string) {
		switch key {
		case "id":
			u.ID = s.id()
		case "name":
			u.Name = s.str()
		case "slug":
			u.Slug = s.str()
		case "displayName":
			u.DisplayName = s.str()
		case "emailAddress":
			u.Email = s.str()
		default:
			s.skip()
		}
	})
}

func (s *scanner) serverRepo(r *serverRepo) {
	s.object(func(key string) {
		switch key {
		case "slug":
			r.Slug = s.str()
		case "project":
			r.ProjectKey = s.stringIn("key")
		default:
			s.skip()
		}
	})
}

func (s *scanner) serverChange(c *serverChange) {
	refID := ""
	s.object(func(key string) {
		switch key {
		case "ref":
			s.serverRef(c)
		case "refId":
			refID = s.str()
		case "fromHash":
			c.FromHash = s.str()
		case "toHash":
			c.ToHash = s.str()
		case "type":
			c.Type = s.str()
		default:
			s.skip()
		}
	})
	if c.RefID == "" {
		c.RefID = refID
	}
}

func (s *scanner) serverRef(c *serverChange) {
	s.object(func(key string) {
		switch key {
		case "id":
			c.RefID = s.str()
		case "displayId":
			c.RefDisplayID = s.str()
		case "type":
			c.RefType = s.str()
		default:
			s.skip()
		}
	})
}

func (s *scanner) serverCommit(c *serverCommit) {
	s.object(func(key string) {
		switch key {
		case "id":
			c.ID = s.str()
		case "message":
			c.Message = s.str()
		case "author":
			s.serverUser(&c.Author)
		case "authorTimestamp":
			c.AuthorTimestamp = s.time()
		default:
			s.skip()
		}
	})
}

func (s *scanner) serverPR(p *serverPR) {
	s.object(func(key string) {
		switch key {
		case "id":
			p.ID = int(s.integer(0))
		case "title":
			p.Title = s.str()
		case "state":
			p.State = s.str()
		case "draft":
			p.Draft = s.boolean()
		case "fromRef":
			s.serverPRRef(&p.FromRef)
		case "toRef":
			s.serverPRRef(&p.ToRef)
		case "author":
			s.serverParticipant(&p.Author)
		case "links":
			p.Self = s.firstHref("self")
		case "createdDate":
			p.CreatedDate = s.time()
		case "updatedDate":
			p.UpdatedDate = s.time()
		default:
			s.skip()
		}
	})
}

// serverParticipant reads a participant object ({user, role, approved, status}) into its user.
func (s *scanner) serverParticipant(u *serverUser) {
	s.object(func(key string) {
		if key == "user" {
			s.serverUser(u)
		} else {
			s.skip()
		}
	})
}

func (s *scanner) serverPRRef(r *serverPRRef) {
	s.object(func(key string) {
		switch key {
		case "id":
			r.ID = s.str()
		case "displayId":
			r.DisplayID = s.str()
		case "latestCommit":
			r.LatestCommit = s.str()
		case "repository":
			s.serverRepo(&r.Repository)
		default:
			s.skip()
		}
	})
}

func (s *scanner) serverComment(c *serverComment) {
	s.object(func(key string) {
		switch key {
		case "id":
			c.ID = s.integer(64)
		case "text":
			c.Text = s.str()
		case "author":
			s.serverUser(&c.Author)
		case "createdDate":
			c.CreatedDate = s.time()
		default:
			s.skip()
		}
	})
}

// fill copies the decoded payload into ev.
func (w *serverPayload) fill(ev *Event) {
	ev.Time = w.Date
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
			Time:     c.CreatedDate,
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
	return bitbucket.User{ID: u.ID, Username: username, DisplayName: display, Email: u.Email}
}

func (r *serverRepo) ref() bitbucket.RepoRef {
	if r.Slug == "" || r.ProjectKey == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: r.ProjectKey, Slug: r.Slug}
}

func (w *serverPayload) push() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(w.Changes))}
	for i := range w.Changes {
		c := &w.Changes[i]
		full := c.RefID
		name := c.RefDisplayID
		if name == "" {
			name = shortRef(full)
		}
		rc := RefChange{
			Name: name,
			Kind: refKind(c.RefType, full),
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
			commits[j] = Commit{Hash: c.ID, Message: c.Message, Author: c.Author.user(), Time: c.AuthorTimestamp}
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
		Author:      p.Author.user(),
		URL:         p.Self,
		CreatedAt:   p.CreatedDate,
		UpdatedAt:   p.UpdatedDate,
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
