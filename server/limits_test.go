package server_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autollmresearch/gym/server"
)

func TestOptionsThatSizeMemoryAreBounded(t *testing.T) {
	_, _, url := start(t, server.Config{})
	tests := []struct{ name, body, want string }{
		{"trials", `{"env":"pretrain/steplaw-v0","options":{"trials":1e12}}`, "want at most MaxTrials"},
		{"history slots", `{"env":"pretrain/steplaw-numeric-v0","options":{"history_slots":1e8}}`, "HistorySlots is 100000000"},
		{"context slots", `{"env":"mixture/admire-numeric-v0","options":{"context_slots":1e8}}`, "ContextSlots is 100000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := do(t, "POST", url+"/reset", tc.body)
			assert.Equal(t, http.StatusBadRequest, status, msg)
			assert.Contains(t, msg, tc.want)
		})
	}
}
