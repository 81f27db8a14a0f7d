package hostpolicy

import (
	"net/netip"
	"strings"
	"testing"
)

// TestCheckRefusesSpecialPurposeAddresses lists addresses the hand-written classifier called
// public (issue 10 item 5, issue 11 item 14) with those refused before.
func TestCheckRefusesSpecialPurposeAddresses(t *testing.T) {
	for _, a := range []string{
		// called public by the hand-written classifier
		"fec0::1", "::7f00:1", "::a00:1", "3fff::1", "192.88.99.1", "192.31.196.1", "192.175.48.1",
		"::127.0.0.1", "::169.254.169.254", "::ffff:0:127.0.0.1", "192.52.193.1", "2620:4f:8000::1",
		// refused before
		"127.0.0.1", "127.255.255.254", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::", "10.0.0.1",
		"172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.1.1", "169.254.169.254", "fd00:ec2::254",
		"fe80::1", "fc00::1", "224.0.0.1", "ff02::1", "255.255.255.255", "240.0.0.1", "64:ff9b::7f00:1",
		"2001:db8::1", "2002:7f00:1::", "198.18.0.1", "192.0.2.1", "100::1",
	} {
		v := Check(netip.MustParseAddr(a), nil)
		if v.Allowed {
			t.Errorf("Check(%s) allowed; want refused", a)
		}
		if v.Range == "" {
			t.Errorf("Check(%s): refused without naming a range", a)
		}
	}
	for _, a := range []string{"140.82.112.3", "8.8.8.8", "2606:4700::6810:85e5", "2001:4860:4860::8888", "::ffff:140.82.112.3"} {
		if v := Check(netip.MustParseAddr(a), nil); !v.Allowed || v.Range != "" {
			t.Errorf("Check(%s) = %+v; want public", a, v)
		}
	}
}

func TestCheckNeverAllowsMetadata(t *testing.T) {
	all := []netip.Prefix{netip.MustParsePrefix("::/0"), netip.MustParsePrefix("0.0.0.0/0")}
	for _, a := range []string{"169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "169.254.170.2",
		"100.100.100.200", "::169.254.169.254", "::ffff:0:169.254.169.254", "64:ff9b::169.254.169.254", "2002:a9fe:a9fe::1"} {
		v := Check(netip.MustParseAddr(a), all)
		if v.Allowed || !v.Never || !strings.Contains(v.Range, "metadata") {
			t.Errorf("Check(%s) with a covering allow-list = %+v; want never", a, v)
		}
	}
}

func TestCheckAllowList(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("::ffff:192.168.0.0/112")}
	for _, tc := range []struct {
		addr      string
		allowed   bool
		coveredBy string
	}{
		{"140.82.112.3", true, ""},
		{"10.1.2.3", true, "10.0.0.0/8"},
		{"::ffff:10.1.2.3", true, "10.0.0.0/8"},
		{"192.168.7.7", true, "::ffff:192.168.0.0/112"},
		{"172.16.0.1", false, ""},
		{"127.0.0.1", false, ""},
		{"169.254.1.1", true, "169.254.0.0/16"},
		// An IPv4-compatible form is not the IPv4 address: an IPv4 prefix does not cover it.
		{"::10.1.2.3", false, ""},
	} {
		v := Check(netip.MustParseAddr(tc.addr), allow)
		got := ""
		if v.AllowedBy.IsValid() {
			got = v.AllowedBy.String()
		}
		if v.Allowed != tc.allowed || got != tc.coveredBy {
			t.Errorf("Check(%s) = %+v; want allowed %v covered by %q", tc.addr, v, tc.allowed, tc.coveredBy)
		}
	}
}

func TestPolicyReason(t *testing.T) {
	def := New(nil)
	allowed := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::ffff:192.168.1.0/120")})
	tests := []struct {
		addr          string
		policy        Policy
		plain, refuse bool
	}{
		{"8.8.8.8", def, false, false},
		{"2001:4860:4860::8888", def, false, false},
		{"8.8.8.8", def, true, true}, // plain http needs the allow-list
		{"127.0.0.2", def, false, true},
		{"::ffff:10.1.2.3", def, false, true},
		{"10.2.3.4", allowed, false, false},
		{"10.2.3.4", allowed, true, false},
		{"::ffff:10.2.3.4", allowed, true, false},
		{"192.168.1.7", allowed, false, false},
		{"192.168.2.7", allowed, false, true},
	}
	for _, tt := range tests {
		why := tt.policy.reason(netip.MustParseAddr(tt.addr), tt.plain)
		if (why != "") != tt.refuse {
			t.Errorf("reason(%s, plain=%v) = %q, want refused=%v", tt.addr, tt.plain, why, tt.refuse)
		}
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::7f00:1", "::ffff:0:127.0.0.1", "2002:a9fe:a9fe::", "fd00:ec2::254", "8.8.8.8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		v := Check(ip, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")})
		if v.Never && v.Allowed {
			t.Fatalf("%s: never and allowed", s)
		}
		if !Check(ip, nil).Allowed && Check(ip, nil).Range == "" {
			t.Fatalf("%s: refused without a range", s)
		}
	})
}
