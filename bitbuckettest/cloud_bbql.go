package bitbuckettest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// This file is a small evaluator for the subset of BBQL (Cloud's q= filter language) the fake
// supports: comparisons (=, !=, ~, !~, >, >=, <, <=, IN, NOT IN) of a dotted field with a string,
// number, boolean or null literal, joined by AND and OR, with parentheses. Strings are in double
// quotes; \" and \\ escape.

// bbqlExpr is a parsed filter, applied to the JSON object of each item.
type bbqlExpr interface {
	eval(item map[string]any) (bool, error)
}

type bbqlAnd struct{ l, r bbqlExpr }
type bbqlOr struct{ l, r bbqlExpr }
type bbqlCmp struct {
	field string
	op    string
	vals  []any // one literal, or several for IN / NOT IN
}

func (e bbqlAnd) eval(it map[string]any) (bool, error) {
	l, err := e.l.eval(it)
	if err != nil || !l {
		return false, err
	}
	return e.r.eval(it)
}

func (e bbqlOr) eval(it map[string]any) (bool, error) {
	l, err := e.l.eval(it)
	if err != nil || l {
		return l, err
	}
	return e.r.eval(it)
}

// permissionRank orders the permission enum so that permission>"read" means write or admin.
var permissionRank = map[string]int{"none": 0, "read": 1, "write": 2, "admin": 3}

func (e bbqlCmp) eval(it map[string]any) (bool, error) {
	got, _ := lookup(it, e.field)
	switch e.op {
	case "IN", "NOT IN":
		in := false
		for _, v := range e.vals {
			if c, err := compare(e.field, got, v); err != nil {
				return false, err
			} else if c == 0 {
				in = true
			}
		}
		return in == (e.op == "IN"), nil
	case "~", "!~":
		gs, ok1 := got.(string)
		ws, ok2 := e.vals[0].(string)
		if got == nil {
			return e.op == "!~", nil
		}
		if !ok1 || !ok2 {
			return false, fmt.Errorf("%s %s needs a string", e.field, e.op)
		}
		has := strings.Contains(strings.ToLower(gs), strings.ToLower(ws))
		return has == (e.op == "~"), nil
	}
	c, err := compare(e.field, got, e.vals[0])
	if err != nil {
		return false, err
	}
	switch e.op {
	case "=":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	}
	if c == incomparable {
		return false, nil
	}
	switch e.op {
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	case "<":
		return c < 0, nil
	default: // "<="
		return c <= 0, nil
	}
}

// incomparable is compare's answer for null against a value.
const incomparable = 2

// compare orders a field's value against a literal: -1, 0, 1, or incomparable.
func compare(field string, got, want any) (int, error) {
	if got == nil || want == nil {
		if got == nil && want == nil {
			return 0, nil
		}
		return incomparable, nil
	}
	switch g := got.(type) {
	case string:
		w, ok := want.(string)
		if !ok {
			return 0, fmt.Errorf("%s is a string", field)
		}
		if strings.HasSuffix(field, "permission") {
			if gr, ok := permissionRank[g]; ok {
				if wr, ok := permissionRank[w]; ok {
					return cmpInt(gr, wr), nil
				}
			}
		}
		return strings.Compare(g, w), nil
	case bool:
		w, ok := want.(bool)
		if !ok {
			return 0, fmt.Errorf("%s is a boolean", field)
		}
		if g == w {
			return 0, nil
		}
		return incomparable, nil
	case int:
		return compare(field, float64(g), want)
	case int64:
		return compare(field, float64(g), want)
	case float64:
		w, ok := want.(float64)
		if !ok {
			return 0, fmt.Errorf("%s is a number", field)
		}
		switch {
		case g < w:
			return -1, nil
		case g > w:
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%s cannot be compared", field)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseBBQL parses q, accepting only the given fields.
func parseBBQL(q string, fields []string) (bbqlExpr, error) {
	p := &bbqlParser{fields: fields}
	if err := p.lex(q); err != nil {
		return nil, err
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return e, nil
}

type bbqlTok struct {
	kind byte // 'i' identifier or keyword, 's' string, 'n' number, 'o' operator, '(' ')' ','
	text string
}

type bbqlParser struct {
	fields []string
	toks   []bbqlTok
	pos    int
}

func (p *bbqlParser) lex(q string) error {
	rs := []rune(q)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == ',':
			p.toks = append(p.toks, bbqlTok{byte(c), string(c)})
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(rs) {
				if rs[i] == '\\' && i+1 < len(rs) {
					b.WriteRune(rs[i+1])
					i += 2
					continue
				}
				if rs[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteRune(rs[i])
				i++
			}
			if !closed {
				return errors.New("unterminated string")
			}
			p.toks = append(p.toks, bbqlTok{'s', b.String()})
		case strings.ContainsRune("=!~<>", c):
			op := string(c)
			if i+1 < len(rs) && (rs[i+1] == '=' || (c == '!' && rs[i+1] == '~')) {
				op += string(rs[i+1])
			}
			if op == "!" {
				return errors.New("unexpected character '!'")
			}
			p.toks = append(p.toks, bbqlTok{'o', op})
			i += len(op)
		case c == '-' || unicode.IsDigit(c):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			p.toks = append(p.toks, bbqlTok{'n', string(rs[i:j])})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '.') {
				j++
			}
			p.toks = append(p.toks, bbqlTok{'i', string(rs[i:j])})
			i = j
		default:
			return fmt.Errorf("unexpected character %q", c)
		}
	}
	return nil
}

func (p *bbqlParser) peekKeyword(kw string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == 'i' && strings.EqualFold(p.toks[p.pos].text, kw)
}

func (p *bbqlParser) or() (bbqlExpr, error) {
	l, err := p.and()
	for err == nil && p.peekKeyword("OR") {
		p.pos++
		var r bbqlExpr
		if r, err = p.and(); err == nil {
			l = bbqlOr{l, r}
		}
	}
	return l, err
}

func (p *bbqlParser) and() (bbqlExpr, error) {
	l, err := p.primary()
	for err == nil && p.peekKeyword("AND") {
		p.pos++
		var r bbqlExpr
		if r, err = p.primary(); err == nil {
			l = bbqlAnd{l, r}
		}
	}
	return l, err
}

func (p *bbqlParser) next() (bbqlTok, error) {
	if p.pos >= len(p.toks) {
		return bbqlTok{}, errors.New("unexpected end of query")
	}
	t := p.toks[p.pos]
	p.pos++
	return t, nil
}

func (p *bbqlParser) primary() (bbqlExpr, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind == '(' {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, err := p.next(); err != nil || t.kind != ')' {
			return nil, errors.New("missing )")
		}
		return e, nil
	}
	if t.kind != 'i' {
		return nil, fmt.Errorf("expected a field name, got %q", t.text)
	}
	if !slices.Contains(p.fields, t.text) {
		return nil, fmt.Errorf("'%s' is not a field that can be filtered on", t.text)
	}
	field := t.text
	op, err := p.next()
	if err != nil {
		return nil, err
	}
	switch {
	case op.kind == 'o':
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return bbqlCmp{field: field, op: op.text, vals: []any{v}}, nil
	case op.kind == 'i' && strings.EqualFold(op.text, "IN"):
		return p.inList(field, "IN")
	case op.kind == 'i' && strings.EqualFold(op.text, "NOT") && p.peekKeyword("IN"):
		p.pos++
		return p.inList(field, "NOT IN")
	}
	return nil, fmt.Errorf("expected an operator after %s", field)
}

func (p *bbqlParser) inList(field, op string) (bbqlExpr, error) {
	if t, err := p.next(); err != nil || t.kind != '(' {
		return nil, errors.New("IN needs a list")
	}
	var vals []any
	for {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		if t.kind == ')' {
			return bbqlCmp{field: field, op: op, vals: vals}, nil
		}
		if t.kind != ',' {
			return nil, errors.New("expected , or )")
		}
	}
}

func (p *bbqlParser) literal() (any, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case 's':
		return t.text, nil
	case 'n':
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t.text)
		}
		return f, nil
	case 'i':
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
	}
	return nil, fmt.Errorf("expected a value, got %q", t.text)
}

// maxQueryLen bounds q, which also bounds the parser's recursion.
const maxQueryLen = 4096

// filterItems keeps the items q selects; an error is the 400 the caller should send.
func filterItems(items []map[string]any, q string, fields []string) ([]map[string]any, error) {
	if q == "" {
		return items, nil
	}
	if len(q) > maxQueryLen {
		return nil, fmt.Errorf("the query is longer than %d bytes", maxQueryLen)
	}
	e, err := parseBBQL(q, fields)
	if err != nil {
		return nil, err
	}
	out := items[:0:0]
	for _, it := range items {
		ok, err := e.eval(it)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}
