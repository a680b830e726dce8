package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/policy/llm"
)

// An Agent plays a text env through an OpenAI-compatible endpoint; here an
// in-process stand-in that always proposes the answer format's example.
func ExampleAgent_RunEpisode() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Messages []llm.Message }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		prompt := req.Messages[len(req.Messages)-1].Content
		answer := prompt[strings.LastIndex(prompt, "for example:\n\n")+len("for example:\n\n"):]
		answer = answer[:strings.IndexByte(answer, '\n')]
		json.NewEncoder(w).Encode(map[string]any{
			"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": "Let me start at the grid's corner.\n" + answer}}},
			"usage":   map[string]int{"prompt_tokens": 1500, "completion_tokens": 20, "total_tokens": 1520},
		})
	}))
	defer srv.Close()

	client, err := llm.NewClient(llm.Config{BaseURL: srv.URL + "/v1", Model: "stand-in"})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := gym.Make[string, string]("pretrain/steplaw-text-v0", env.Options{"split": "test"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	res, err := llm.NewAgent(client).RunEpisode(context.Background(), e, env.SeedOf(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("target %s: %d steps, %d invalid, final regret %.3f, %d tokens\n",
		res.Target, res.Steps, res.InvalidSteps, res.FinalRegret, res.Usage.TotalTokens)
	// Output:
	// target pretrain/N=2.99e9,D=2.99e11: 5 steps, 0 invalid, final regret 0.281, 7600 tokens
}

// ConfigFromLookup names the variables to set when no endpoint is
// configured.
func ExampleConfigFromLookup() {
	_, err := llm.ConfigFromLookup(func(string) string { return "" })
	fmt.Println(err)
	// Output:
	// llm: no LLM endpoint configured: missing the endpoint: set GYM_LLM_BASE_URL (or OPENAI_BASE_URL), e.g. https://api.openai.com/v1; missing the model: set GYM_LLM_MODEL (or OPENAI_MODEL), e.g. gpt-4o-mini; the API key is read from GYM_LLM_API_KEY (or OPENAI_API_KEY) when the endpoint needs one
}
