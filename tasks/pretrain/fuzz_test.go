package pretrain_test

import (
	"strings"
	"testing"

	"github.com/autollmresearch/gym/tasks/pretrain"
)

// FuzzImport checks that the Step Law CSV importer never panics and
// returns a table or an error, not both.
func FuzzImport(f *testing.F) {
	f.Add(fixture)
	f.Add(fixture[:len(fixture)/2])
	f.Add(strings.Replace(fixture, ",", ";", -1))
	f.Add("h,ffnh,numh,numl,lr,bs,ti,loss,smooth loss,exp_name,D,N,D/N\n256,1024,4,4,0.001,32,15259,3.12,3.10,a,1000000000,4194304,238.4\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		tb, err := pretrain.Import(strings.NewReader(data))
		if err != nil {
			if tb != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		tb.Release()
	})
}
