package webhooks

import (
	"flag"
	"os"
	"testing"
)

// TestMain shortens the fuzzer's minimisation of new inputs (60 s by default) unless the command
// line sets -fuzzminimizetime. The fixtures that seed the fuzz targets are several kilobytes of
// signed JSON: minimising one takes the whole of a short CI fuzz run, so that without this a
// 10-second run executes only the seeds.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.fuzzminimizetime" })
	if !explicit {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
