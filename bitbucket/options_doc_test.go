package bitbucket

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/bbconnect/bbconnect/internal/clientopt"
)

// TestOptionShowsNoInternalType: the documented declaration of Option names no type of an
// internal package (issue 10 item 7): it is a struct whose fields are all unexported, which
// godoc hides.
func TestOptionShowsNoInternalType(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "options.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Option" {
			return true
		}
		found = true
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			t.Fatalf("Option is a %T: its declaration shows its underlying type", ts.Type)
		}
		for _, fld := range st.Fields.List {
			for _, name := range fld.Names {
				if name.IsExported() {
					t.Errorf("Option has the exported field %s", name.Name)
				}
			}
			if len(fld.Names) == 0 {
				t.Error("Option embeds a type")
			}
		}
		return false
	})
	if !found {
		t.Fatal("no Option type in options.go")
	}
}

func TestZeroOptionChangesNothing(t *testing.T) {
	cfg := applyForTest(Option{}, WithUserAgent("ua"), Option{})
	if cfg.UserAgent != "ua" || cfg.MaxRetries != 3 {
		t.Errorf("config %+v", cfg)
	}
}

func applyForTest(opts ...Option) clientopt.Config { return clientopt.Apply(opts) }
