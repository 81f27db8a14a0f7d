package cloud

import (
	"errors"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func TestEndpointExpand(t *testing.T) {
	for _, tc := range []struct {
		ep   endpoint
		args []string
		want string
	}{
		{epGetRepository, []string{"ws", "a b"}, "/repositories/ws/a%20b"},
		{epUpdateHook, []string{"ws", "r", "{u-1}"}, "/repositories/ws/r/hooks/%7Bu-1%7D"},
		{epGetBranch, []string{"ws", "r", "feature/x"}, "/repositories/ws/r/refs/branches/feature%2Fx"},
		{epGetFile, []string{"ws", "r", "main", "dir one/ü?.txt"}, "/repositories/ws/r/src/main/dir%20one/%C3%BC%3F.txt"},
		{epGetUser, nil, "/user"},
	} {
		got, err := tc.ep.expand(tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("%s %v: %q, %v; want %q", tc.ep.path, tc.args, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		ep   endpoint
		args []string
	}{
		{epGetRepository, []string{"ws", ".."}},
		{epGetRepository, []string{".", "r"}},
		{epGetRepository, []string{"ws", ""}},
		{epGetRepository, []string{"ws"}},
		{epGetRepository, []string{"ws", "r", "extra"}},
		{epGetFile, []string{"ws", "r", "main", "a/../b"}},
		{epGetFile, []string{"ws", "r", "main", "a//b"}},
		{epGetFile, []string{"ws", "r", "main", "./b"}},
	} {
		if _, err := tc.ep.expand(tc.args...); !errors.Is(err, bitbucket.ErrInvalidInput) {
			t.Errorf("%s %q: got %v, want ErrInvalidInput", tc.ep.path, tc.args, err)
		}
	}
}
