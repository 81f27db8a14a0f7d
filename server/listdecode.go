package server

import (
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
	rec           jsonwalk.Record // reused for each repository's text
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
			return jsonwalk.Elements(d, &p.items, p.repository)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.End()
}

// repoSpans are the fields of one repository, as spans of its text.
type repoSpans struct {
	id, slug, name, description, branch, project, self, http, ssh jsonwalk.Field
	public, archived                                              bool
}

// repository decodes one RestRepository, as convertRepository would convert it.
func (p *repoListPage) repository() (*bitbucket.Repository, error) {
	d := &p.d
	p.rec.Reset()
	var s repoSpans
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "id"):
			n, ok, err := d.Int(64)
			switch {
			case err != nil || !ok:
				return err
			case n == 0:
				s.id = jsonwalk.Field{}
			default:
				s.id = p.rec.AppendInt(n)
			}
		case jsonwalk.KeyIs(key, "slug"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.slug)
		case jsonwalk.KeyIs(key, "name"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.name)
		case jsonwalk.KeyIs(key, "description"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.description)
		case jsonwalk.KeyIs(key, "defaultBranch"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.branch)
		case jsonwalk.KeyIs(key, "public"):
			return jsonwalk.ReadBool(d, &s.public)
		case jsonwalk.KeyIs(key, "archived"):
			return jsonwalk.ReadBool(d, &s.archived)
		case jsonwalk.KeyIs(key, "project"):
			return d.Object(func(k []byte) error {
				if jsonwalk.KeyIs(k, "key") {
					return jsonwalk.ReadString(&p.d, &p.rec, &s.project)
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
	text := p.rec.Text()
	key := s.project.Of(text)
	return &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: key, Slug: s.slug.Of(text)},
		ID:            s.id.Of(text),
		Name:          s.name.Of(text),
		Description:   s.description.Of(text),
		Private:       !s.public,
		Archived:      s.archived,
		DefaultBranch: s.branch.Of(text),
		Project:       key,
		WebURL:        s.self.Of(text),
		CloneHTTP:     s.http.Of(text),
		CloneSSH:      s.ssh.Of(text),
	}, nil
}

// links reads the first self link and the first http(s) and ssh clone links.
func (p *repoListPage) links(s *repoSpans) error {
	d := &p.d
	return d.Object(func(k []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "self"):
			s.self = jsonwalk.Field{}
			first := true
			return d.Array(func() error {
				var href jsonwalk.Field
				err := p.link(&href, nil)
				if first {
					s.self, first = href, false
				}
				return err
			})
		case jsonwalk.KeyIs(k, "clone"):
			s.http, s.ssh = jsonwalk.Field{}, jsonwalk.Field{}
			return d.Array(func() error {
				var href jsonwalk.Field
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
					if s.http.Len() == 0 {
						s.http = href
					}
				case "ssh":
					if s.ssh.Len() == 0 {
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
func (p *repoListPage) link(dst *jsonwalk.Field, name func() error) error {
	return p.d.Object(func(k []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "href"):
			return jsonwalk.ReadString(&p.d, &p.rec, dst)
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
