package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// endpointRow is one row of a provider's endpoint table, as written in its endpoints.go.
type endpointRow struct {
	name, method, path, op string
	pos                    token.Position
}

// knownEndpointExceptions are rows whose method and path the provider's document does not hold,
// each with the reason it is called anyway. Keys are "<provider dir> METHOD path".
var knownEndpointExceptions = map[string]string{
	"server GET /plugins/servlet/applinks/whoami": "the applinks servlet is not a REST resource; it answers the acting " +
		"user's name when a response carries no X-AUSERNAME (reference §2.2)",
}

// TestEndpointTablesMatchSpecs parses cloud/endpoints.go and server/endpoints.go and fails when a
// row names a method and path that its provider's document lacks, or an operationId other than the
// document's. Each row must be `var name = endpoint{"METHOD", "/path", "operationId"}`.
func TestEndpointTablesMatchSpecs(t *testing.T) {
	for _, c := range []struct {
		dir  string
		spec Spec
	}{
		{"server", DataCenter},
		{"cloud", Cloud},
	} {
		t.Run(c.dir, func(t *testing.T) {
			file := filepath.Join("..", c.dir, "endpoints.go")
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				t.Skipf("%s does not exist on this branch", file)
			}
			rows := parseEndpointTable(t, file)
			if len(rows) == 0 {
				t.Fatalf("%s has no endpoint rows", file)
			}
			for _, problem := range checkEndpointRows(c.dir, string(c.spec), rows, specOperations(t, c.spec)) {
				t.Error(problem)
			}
		})
	}
}

// checkEndpointRows returns what is wrong with the rows of dir's table against ops.
func checkEndpointRows(dir, spec string, rows []endpointRow, ops map[string]string) []string {
	var problems []string
	for _, r := range rows {
		key := dir + " " + r.method + " " + r.path
		want, inDoc := ops[r.method+" "+r.path]
		_, excepted := knownEndpointExceptions[key]
		switch {
		case !inDoc && !excepted:
			problems = append(problems, fmt.Sprintf("%s: %s: %s %s is not in %s", r.pos, r.name, r.method, r.path, spec))
		case inDoc && excepted:
			problems = append(problems, fmt.Sprintf("%s: %s: %s %s is in the document now; drop its exception", r.pos, r.name, r.method, r.path))
		case inDoc && r.op != want:
			problems = append(problems, fmt.Sprintf("%s: %s: operationId %q, the document says %q", r.pos, r.name, r.op, want))
		case !inDoc && r.op != "":
			problems = append(problems, fmt.Sprintf("%s: %s: an endpoint outside the document has no operationId, got %q", r.pos, r.name, r.op))
		}
	}
	return problems
}

// TestEndpointRowCheck shows the check catches each kind of bad row.
func TestEndpointRowCheck(t *testing.T) {
	ops := specOperations(t, DataCenter)
	bad := []endpointRow{
		{name: "wrongPath", method: "GET", path: "/api/latest/projects/{key}/repos", op: "getRepositories"},
		{name: "wrongMethod", method: "PATCH", path: "/api/latest/projects", op: "getProjects"},
		{name: "wrongOp", method: "GET", path: "/api/latest/projects", op: "listProjects"},
		{name: "opOutside", method: "GET", path: "/plugins/servlet/applinks/whoami", op: "whoami"},
	}
	for _, r := range bad {
		if got := checkEndpointRows("server", "dc", []endpointRow{r}, ops); len(got) != 1 {
			t.Errorf("%s: problems %v, want one", r.name, got)
		}
	}
	good := endpointRow{name: "ok", method: "GET", path: "/api/latest/projects", op: "getProjects"}
	if got := checkEndpointRows("server", "dc", []endpointRow{good}, ops); len(got) != 0 {
		t.Errorf("a good row: %v", got)
	}
}

// parseEndpointTable reads every package-level `var x = endpoint{...}` of file.
func parseEndpointTable(t *testing.T, file string) []endpointRow {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rows []endpointRow
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, v := range vs.Values {
				lit, ok := v.(*ast.CompositeLit)
				if !ok {
					continue
				}
				if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "endpoint" {
					continue
				}
				row := endpointRow{name: vs.Names[i].Name, pos: fset.Position(lit.Pos())}
				var fields []string
				for _, e := range lit.Elts {
					bl, ok := e.(*ast.BasicLit)
					if !ok || bl.Kind != token.STRING {
						t.Errorf("%s: %s: every field must be a string literal, positional", row.pos, row.name)
						continue
					}
					s, err := strconv.Unquote(bl.Value)
					if err != nil {
						t.Fatal(err)
					}
					fields = append(fields, s)
				}
				if len(fields) != 3 {
					t.Errorf("%s: %s: want {method, path, operationId}, got %d fields", row.pos, row.name, len(fields))
					continue
				}
				row.method, row.path, row.op = fields[0], fields[1], fields[2]
				if row.method != strings.ToUpper(row.method) || !strings.HasPrefix(row.path, "/") {
					t.Errorf("%s: %s: method %q, path %q", row.pos, row.name, row.method, row.path)
				}
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// specOperations maps "METHOD path" of the document, as written there, to its operationId.
func specOperations(t *testing.T, s Spec) map[string]string {
	t.Helper()
	raw, err := specFiles.ReadFile(string(s))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	for path, item := range doc.Paths {
		for method, body := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			_ = json.Unmarshal(body, &op)
			ops[strings.ToUpper(method)+" "+path] = op.OperationID
		}
	}
	return ops
}
