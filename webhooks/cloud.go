package webhooks

import (
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// Bitbucket Cloud payloads (reference §1.7). Only the members the neutral model uses are decoded
// (the JSON names are given beside each field); the rest of the body is validated and skipped, and
// stays available in Event.Raw.

type cloudPayload struct {
	Actor       cloudUser     // actor
	Repository  cloudRepo     // repository
	Push        *cloudPush    // push
	PullRequest *cloudPR      // pullrequest
	Comment     *cloudComment // comment
}

type cloudUser struct {
	UUID        string // uuid
	Nickname    string // nickname
	Username    string // username (legacy, before nickname)
	DisplayName string // display_name
}

type cloudRepo struct {
	FullName string // full_name: "workspace/slug"; Cloud repositories have no slug field
}

type cloudPush struct {
	Changes []cloudChange // changes
}

type cloudChange struct {
	Old     cloudRefState // old: null when the ref was created
	New     cloudRefState // new: null when the ref was deleted
	Created bool          // created
	Closed  bool          // closed
	Forced  bool          // forced
	Commits []cloudCommit // commits
}

type cloudRefState struct {
	Type string // type: branch | tag
	Name string // name
	Hash string // target.hash
}

func (s *cloudRefState) present() bool { return s.Name != "" || s.Hash != "" }

type cloudCommit struct {
	Hash    string      // hash
	Message string      // message
	Date    time.Time   // date
	Author  cloudAuthor // author
}

type cloudAuthor struct {
	Raw  string    // raw: "Name <email>"
	User cloudUser // user
}

type cloudPR struct {
	ID          int        // id
	Title       string     // title
	State       string     // state
	Draft       bool       // draft
	Author      cloudUser  // author
	Source      cloudPRRef // source
	Destination cloudPRRef // destination
	HTML        string     // links.html.href
	CreatedOn   time.Time  // created_on
	UpdatedOn   time.Time  // updated_on
}

type cloudPRRef struct {
	Branch     string    // branch.name
	Commit     string    // commit.hash
	Repository cloudRepo // repository
}

type cloudComment struct {
	ID        int64     // id
	Raw       string    // content.raw
	User      cloudUser // user
	HTML      string    // links.html.href
	CreatedOn time.Time // created_on
	ParentID  int64     // parent.id
}

// decodeCloud reads a Cloud payload; its errors wrap ErrMalformedPayload.
func decodeCloud(doc string, w *cloudPayload) error {
	s := scanner{s: doc}
	s.object(func(key string) {
		switch key {
		case "actor":
			s.cloudUser(&w.Actor)
		case "repository":
			s.cloudRepo(&w.Repository)
		case "push":
			if !s.null() {
				w.Push = new(cloudPush)
				s.cloudPush(w.Push)
			}
		case "pullrequest":
			if !s.null() {
				w.PullRequest = new(cloudPR)
				s.cloudPR(w.PullRequest)
			}
		case "comment":
			if !s.null() {
				w.Comment = new(cloudComment)
				s.cloudComment(w.Comment)
			}
		default:
			s.skip()
		}
	})
	s.end()
	return s.err
}

func (s *scanner) cloudUser(u *cloudUser) {
	s.object(func(key string) {
		switch key {
		case "uuid":
			u.UUID = s.str()
		case "nickname":
			u.Nickname = s.str()
		case "username":
			u.Username = s.str()
		case "display_name":
			u.DisplayName = s.str()
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudRepo(r *cloudRepo) {
	r.FullName = s.stringIn("full_name")
}

func (s *scanner) cloudPush(p *cloudPush) {
	s.object(func(key string) {
		if key != "changes" {
			s.skip()
			return
		}
		s.array(func() {
			p.Changes = append(p.Changes, cloudChange{})
			s.cloudChange(&p.Changes[len(p.Changes)-1])
		})
	})
}

func (s *scanner) cloudChange(c *cloudChange) {
	s.object(func(key string) {
		switch key {
		case "old":
			s.cloudRefState(&c.Old)
		case "new":
			s.cloudRefState(&c.New)
		case "created":
			c.Created = s.boolean()
		case "closed":
			c.Closed = s.boolean()
		case "forced":
			c.Forced = s.boolean()
		case "commits":
			s.array(func() {
				c.Commits = append(c.Commits, cloudCommit{})
				s.cloudCommit(&c.Commits[len(c.Commits)-1])
			})
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudRefState(r *cloudRefState) {
	s.object(func(key string) {
		switch key {
		case "type":
			r.Type = s.str()
		case "name":
			r.Name = s.str()
		case "target":
			r.Hash = s.stringIn("hash")
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudCommit(c *cloudCommit) {
	s.object(func(key string) {
		switch key {
		case "hash":
			c.Hash = s.str()
		case "message":
			c.Message = s.str()
		case "date":
			c.Date = s.time()
		case "author":
			s.cloudAuthor(&c.Author)
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudAuthor(a *cloudAuthor) {
	s.object(func(key string) {
		switch key {
		case "raw":
			a.Raw = s.str()
		case "user":
			s.cloudUser(&a.User)
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudPR(p *cloudPR) {
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
		case "author":
			s.cloudUser(&p.Author)
		case "source":
			s.cloudPRRef(&p.Source)
		case "destination":
			s.cloudPRRef(&p.Destination)
		case "links":
			p.HTML = s.href("html")
		case "created_on":
			p.CreatedOn = s.time()
		case "updated_on":
			p.UpdatedOn = s.time()
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudPRRef(r *cloudPRRef) {
	s.object(func(key string) {
		switch key {
		case "branch":
			r.Branch = s.stringIn("name")
		case "commit":
			r.Commit = s.stringIn("hash")
		case "repository":
			s.cloudRepo(&r.Repository)
		default:
			s.skip()
		}
	})
}

func (s *scanner) cloudComment(c *cloudComment) {
	s.object(func(key string) {
		switch key {
		case "id":
			c.ID = s.integer(64)
		case "content":
			c.Raw = s.stringIn("raw")
		case "user":
			s.cloudUser(&c.User)
		case "links":
			c.HTML = s.href("html")
		case "created_on":
			c.CreatedOn = s.time()
		case "parent":
			c.ParentID = s.int64In("id")
		default:
			s.skip()
		}
	})
}

// fill copies the decoded payload into ev.
func (w *cloudPayload) fill(ev *Event) {
	ev.Actor = w.Actor.user()
	ev.Repo = w.Repository.ref()
	if w.Push != nil {
		ev.Push = w.Push.neutral()
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
			Text:     c.Raw,
			ParentID: c.ParentID,
			Author:   c.User.user(),
			URL:      c.HTML,
			Time:     c.CreatedOn,
		}
	}
}

func (u *cloudUser) user() bitbucket.User {
	name := u.Nickname
	if name == "" {
		name = u.Username
	}
	return bitbucket.User{ID: u.UUID, Username: name, DisplayName: u.DisplayName}
}

func (r *cloudRepo) ref() bitbucket.RepoRef {
	ns, slug, ok := strings.Cut(r.FullName, "/")
	if !ok || ns == "" || slug == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: ns, Slug: slug}
}

func (p *cloudPush) neutral() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(p.Changes))}
	for i := range p.Changes {
		c := &p.Changes[i]
		ref := &c.New
		if !ref.present() {
			ref = &c.Old
		}
		rc := RefChange{
			Name:    shortRef(ref.Name),
			Kind:    refKind(ref.Type, ref.Name),
			Old:     c.Old.Hash,
			New:     c.New.Hash,
			Created: c.Created || (!c.Old.present() && c.New.present()),
			Deleted: c.Closed || (!c.New.present() && c.Old.present()),
			Forced:  c.Forced,
		}
		if rc.Created {
			rc.Old = ""
		}
		if rc.Deleted {
			rc.New = ""
		}
		if len(c.Commits) > 0 {
			rc.Commits = make([]Commit, len(c.Commits))
			for j := range c.Commits {
				cc := &c.Commits[j]
				rc.Commits[j] = Commit{Hash: cc.Hash, Message: cc.Message, Author: cc.Author.user(), Time: cc.Date}
			}
		}
		push.Changes = append(push.Changes, rc)
	}
	return push
}

// user is the Bitbucket account when the author is linked to one, with the name and e-mail of the
// git identity filling what the account does not give.
func (a *cloudAuthor) user() bitbucket.User {
	u := a.User.user()
	name, email := splitPerson(a.Raw)
	if u.DisplayName == "" {
		u.DisplayName = name
	}
	u.Email = email
	return u
}

func (p *cloudPR) neutral() *PullRequest {
	return &PullRequest{
		ID:          p.ID,
		Title:       p.Title,
		URL:         p.HTML,
		State:       prState(p.State),
		Draft:       p.Draft,
		Source:      p.Source.neutral(),
		Destination: p.Destination.neutral(),
		Author:      p.Author.user(),
		CreatedAt:   p.CreatedOn,
		UpdatedAt:   p.UpdatedOn,
	}
}

func (r *cloudPRRef) neutral() PullRequestRef {
	return PullRequestRef{Branch: r.Branch, Commit: r.Commit, Repo: r.Repository.ref()}
}
