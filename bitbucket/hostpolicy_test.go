package bitbucket

import (
	"net/netip"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("::ffff:192.168.0.0/112")}
	for _, tc := range []struct {
		addr      string
		allowed   bool
		never     bool
		coveredBy string
	}{
		{"140.82.112.3", true, false, ""},
		{"10.1.2.3", true, false, "10.0.0.0/8"},
		{"::ffff:10.1.2.3", true, false, "10.0.0.0/8"},
		{"192.168.7.7", true, false, "::ffff:192.168.0.0/112"},
		{"172.16.0.1", false, false, ""},
		{"127.0.0.1", false, false, ""},
		{"::ffff:127.0.0.1", false, false, ""},
		{"169.254.1.1", true, false, "169.254.0.0/16"},
		{"169.254.169.254", false, true, ""},
		{"fd00:ec2::254", false, true, ""},
	} {
		v := CheckAddress(netip.MustParseAddr(tc.addr), allow)
		got := ""
		if v.AllowedBy.IsValid() {
			got = v.AllowedBy.String()
		}
		if v.Allowed != tc.allowed || v.Never != tc.never || got != tc.coveredBy {
			t.Errorf("CheckAddress(%s) = %+v; want allowed %v never %v covered by %q", tc.addr, v, tc.allowed, tc.never, tc.coveredBy)
		}
		if !v.Allowed && v.Range == "" {
			t.Errorf("CheckAddress(%s): refused without naming a range", tc.addr)
		}
	}
}
