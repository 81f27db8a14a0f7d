package server

import (
	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// repoListPage is a page of repositories decoded straight into neutral repositories, with the
// paging envelope. It gives the same result as decoding a wirePage[wireRepository] and converting
// each value with convertRepository, at two allocations a repository (its record and one string
// holding all its text).
type repoListPage struct {
	limit         int
	isLastPage    bool
	nextPageStart *int
	items         []*bitbucket.Repository
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
	return jsonwalk.Object(data, func(key, val []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "limit"):
			n, _, ok, err := jsonwalk.Int(val)
			if ok {
				p.limit = int(n)
			}
			return err
		case jsonwalk.KeyIs(key, "isLastPage"):
			b, ok, err := jsonwalk.Bool(val)
			if ok {
				p.isLastPage = b
			}
			return err
		case jsonwalk.KeyIs(key, "nextPageStart"):
			if jsonwalk.IsNull(val) {
				p.nextPageStart = nil
				return nil
			}
			n, _, _, err := jsonwalk.Int(val)
			if err == nil {
				v := int(n)
				p.nextPageStart = &v
			}
			return err
		case jsonwalk.KeyIs(key, "values"):
			p.items = p.items[:0]
			if jsonwalk.IsNull(val) {
				p.items = nil
				return nil
			}
			return jsonwalk.Array(val, func(elem []byte) error {
				r, err := p.repository(elem)
				if err == nil {
					p.items = append(p.items, r)
				}
				return err
			})
		}
		return nil
	})
}

func (p *repoListPage) str(dst *span, val []byte) error {
	from := len(p.scratch)
	b, ok, err := jsonwalk.AppendString(p.scratch, val)
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
func (p *repoListPage) repository(obj []byte) (*bitbucket.Repository, error) {
	p.scratch = p.scratch[:0]
	var s repoSpans
	err := jsonwalk.Object(obj, func(key, val []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "id"):
			n, digits, ok, err := jsonwalk.Int(val)
			switch {
			case err != nil || !ok:
				return err
			case n == 0:
				s.id = span{}
			default:
				from := len(p.scratch)
				p.scratch = append(p.scratch, digits...)
				s.id = span{from: from, to: len(p.scratch), set: true}
			}
		case jsonwalk.KeyIs(key, "slug"):
			return p.str(&s.slug, val)
		case jsonwalk.KeyIs(key, "name"):
			return p.str(&s.name, val)
		case jsonwalk.KeyIs(key, "description"):
			return p.str(&s.description, val)
		case jsonwalk.KeyIs(key, "defaultBranch"):
			return p.str(&s.branch, val)
		case jsonwalk.KeyIs(key, "public"):
			b, ok, err := jsonwalk.Bool(val)
			if ok {
				s.public = b
			}
			return err
		case jsonwalk.KeyIs(key, "archived"):
			b, ok, err := jsonwalk.Bool(val)
			if ok {
				s.archived = b
			}
			return err
		case jsonwalk.KeyIs(key, "project"):
			return jsonwalk.Object(val, func(k, v []byte) error {
				if jsonwalk.KeyIs(k, "key") {
					return p.str(&s.project, v)
				}
				return nil
			})
		case jsonwalk.KeyIs(key, "links"):
			return p.links(val, &s)
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
func (p *repoListPage) links(val []byte, s *repoSpans) error {
	return jsonwalk.Object(val, func(k, v []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "self"):
			s.self = span{}
			first := true
			return jsonwalk.Array(v, func(elem []byte) error {
				if !first {
					return checkLink(elem)
				}
				first = false
				return p.linkFields(elem, &s.self, nil)
			})
		case jsonwalk.KeyIs(k, "clone"):
			s.http, s.ssh = span{}, span{}
			return jsonwalk.Array(v, func(elem []byte) error {
				var href span
				var name [8]byte
				n := 0
				if err := p.linkFields(elem, &href, func(v []byte) error {
					b, ok, err := jsonwalk.AppendString(name[:0], v)
					if ok && len(b) <= len(name) {
						n = copy(name[:], b)
					} else if ok {
						n = 0 // too long to be a name we use
					}
					return err
				}); err != nil {
					return err
				}
				switch string(name[:n]) {
				case "http", "https":
					if !s.http.set || s.http.from == s.http.to {
						s.http = href
					}
				case "ssh":
					if !s.ssh.set || s.ssh.from == s.ssh.to {
						s.ssh = href
					}
				}
				return nil
			})
		}
		return nil
	})
}

// linkFields reads a link object's href into dst and hands its name to name (when not nil).
func (p *repoListPage) linkFields(obj []byte, dst *span, name func([]byte) error) error {
	return jsonwalk.Object(obj, func(k, v []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "href"):
			return p.str(dst, v)
		case name != nil && jsonwalk.KeyIs(k, "name"):
			if jsonwalk.IsNull(v) {
				return nil
			}
			return name(v)
		}
		return nil
	})
}

// checkLink type-checks a link object that is not used, as the reflective decoder would.
func checkLink(obj []byte) error {
	return jsonwalk.Object(obj, func(k, v []byte) error {
		if jsonwalk.KeyIs(k, "href") || jsonwalk.KeyIs(k, "name") {
			_, _, err := jsonwalk.AppendString(nil, v)
			return err
		}
		return nil
	})
}
