package server

import (
	"strconv"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// repoListPage is a page of repositories decoded straight into neutral repositories, with the
// paging envelope, in one pass over the bytes. It gives the same result as decoding a wirePage[wireRepository] and converting
// each value with convertRepository, at two allocations a repository (its record and one string
// holding all its text).
type repoListPage struct {
	limit         int
	isLastPage    bool
	nextPageStart *int
	items         []*bitbucket.Repository
	d             jsonwalk.Decoder[[]byte]
	scratch       []byte // reused for each repository's text
}

type span struct {
	from, to int
	set      bool
}

func (s span) of(text string) string {
	if !s.set {
		return ""
	}
	return text[s.from:s.to]
}

// UnmarshalJSON decodes a page; encoding/json has validated data before calling it.
func (p *repoListPage) UnmarshalJSON(data []byte) error {
	d := &p.d
	d.Reset(data)
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "limit"):
			n, ok, err := d.Int(0)
			if ok {
				p.limit = int(n)
			}
			return err
		case jsonwalk.KeyIs(key, "isLastPage"):
			b, ok, err := d.Bool()
			if ok {
				p.isLastPage = b
			}
			return err
		case jsonwalk.KeyIs(key, "nextPageStart"):
			n, ok, err := d.Int(0)
			switch {
			case err != nil:
				return err
			case !ok:
				p.nextPageStart = nil
			default:
				v := int(n)
				p.nextPageStart = &v
			}
			return nil
		case jsonwalk.KeyIs(key, "values"):
			p.items = p.items[:0]
			if d.Null() {
				p.items = nil
				return nil
			}
			return d.Array(func() error {
				r, err := p.repository()
				if err == nil {
					p.items = append(p.items, r)
				}
				return err
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.End()
}

// str reads a string into scratch and records where it went; null leaves the field as it was.
func (p *repoListPage) str(dst *span) error {
	from := len(p.scratch)
	b, ok, err := p.d.AppendString(p.scratch)
	if err != nil || !ok {
		return err
	}
	p.scratch = b
	*dst = span{from: from, to: len(b), set: true}
	return nil
}

// repoSpans are the fields of one repository, as spans of its text.
type repoSpans struct {
	id, slug, name, description, branch, project, self, http, ssh span
	public, archived                                              bool
}

// repository decodes one RestRepository, as convertRepository would convert it.
func (p *repoListPage) repository() (*bitbucket.Repository, error) {
	d := &p.d
	p.scratch = p.scratch[:0]
	var s repoSpans
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "id"):
			n, ok, err := d.Int(64)
			switch {
			case err != nil || !ok:
				return err
			case n == 0:
				s.id = span{}
			default:
				from := len(p.scratch)
				p.scratch = strconv.AppendInt(p.scratch, n, 10)
				s.id = span{from: from, to: len(p.scratch), set: true}
			}
		case jsonwalk.KeyIs(key, "slug"):
			return p.str(&s.slug)
		case jsonwalk.KeyIs(key, "name"):
			return p.str(&s.name)
		case jsonwalk.KeyIs(key, "description"):
			return p.str(&s.description)
		case jsonwalk.KeyIs(key, "defaultBranch"):
			return p.str(&s.branch)
		case jsonwalk.KeyIs(key, "public"):
			b, ok, err := d.Bool()
			if ok {
				s.public = b
			}
			return err
		case jsonwalk.KeyIs(key, "archived"):
			b, ok, err := d.Bool()
			if ok {
				s.archived = b
			}
			return err
		case jsonwalk.KeyIs(key, "project"):
			return d.Object(func(k []byte) error {
				if jsonwalk.KeyIs(k, "key") {
					return p.str(&s.project)
				}
				return nil
			})
		case jsonwalk.KeyIs(key, "links"):
			return p.links(&s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	text := string(p.scratch)
	key := s.project.of(text)
	return &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: key, Slug: s.slug.of(text)},
		ID:            s.id.of(text),
		Name:          s.name.of(text),
		Description:   s.description.of(text),
		Private:       !s.public,
		Archived:      s.archived,
		DefaultBranch: s.branch.of(text),
		Project:       key,
		WebURL:        s.self.of(text),
		CloneHTTP:     s.http.of(text),
		CloneSSH:      s.ssh.of(text),
	}, nil
}

// links reads the first self link and the first http(s) and ssh clone links.
func (p *repoListPage) links(s *repoSpans) error {
	d := &p.d
	return d.Object(func(k []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "self"):
			s.self = span{}
			first := true
			return d.Array(func() error {
				var href span
				err := p.link(&href, nil)
				if first {
					s.self, first = href, false
				}
				return err
			})
		case jsonwalk.KeyIs(k, "clone"):
			s.http, s.ssh = span{}, span{}
			return d.Array(func() error {
				var href span
				var name [8]byte
				n := 0
				if err := p.link(&href, func() error {
					b, ok, err := d.AppendString(name[:0])
					switch {
					case err != nil || !ok:
						return err // null leaves the name as it was
					case len(b) <= len(name):
						n = copy(name[:], b)
					default:
						n = 0 // too long to be a name used here
					}
					return nil
				}); err != nil {
					return err
				}
				switch string(name[:n]) {
				case "http", "https":
					if s.http.from == s.http.to {
						s.http = href
					}
				case "ssh":
					if s.ssh.from == s.ssh.to {
						s.ssh = href
					}
				}
				return nil
			})
		}
		return nil
	})
}

// link reads a link object's href into dst and lets name read its name (when not nil); every
// member is type-checked, as the reflective decoder would.
func (p *repoListPage) link(dst *span, name func() error) error {
	return p.d.Object(func(k []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "href"):
			return p.str(dst)
		case jsonwalk.KeyIs(k, "name"):
			if name != nil {
				return name()
			}
			_, _, err := p.d.AppendString(nil)
			return err
		}
		return nil
	})
}
