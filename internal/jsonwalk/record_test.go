package jsonwalk

import "testing"

func TestRecord(t *testing.T) {
	d := NewDecoder([]byte(`{"a":"x\u00e9y","b":null,"c":"","d":"tail"}`))
	var r Record
	var a, b, c, dd Field
	b = Field{from: 0, to: 1, set: true} // null must leave it as it was
	err := d.Object(func(key []byte) error {
		switch string(key) {
		case "a":
			return ReadString(d, &r, &a)
		case "b":
			return ReadString(d, &r, &b)
		case "c":
			return ReadString(d, &r, &c)
		case "d":
			return ReadString(d, &r, &dd)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	id := r.AppendInt(-42)
	text := r.Text()
	if got := a.Of(text); got != "xéy" {
		t.Errorf("a = %q", got)
	}
	if got := b.Of(text); got != "x" || b.Len() != 1 {
		t.Errorf("null changed b: %q", got)
	}
	if got := c.Of(text); got != "" || !c.set {
		t.Errorf("empty string: %q set %v", got, c.set)
	}
	if got := dd.Of(text); got != "tail" {
		t.Errorf("d = %q", got)
	}
	if got := id.Of(text); got != "-42" {
		t.Errorf("AppendInt = %q", got)
	}
	if got := (Field{}).Of(text); got != "" {
		t.Errorf("absent field = %q", got)
	}
	r.Reset()
	if r.Text() != "" {
		t.Errorf("Reset left %q", r.Text())
	}
}
