// Package llm is the language-model policy: a client for OpenAI-compatible
// chat-completions endpoints and an Agent that plays the research envs'
// text views (env.Env[string, string]) with it.
//
// A [Client] sends POST {BaseURL}/chat/completions with the model, the
// messages, the temperature and max_tokens, and reads
// choices[0].message.content and the token usage. It retries 429, 5xx,
// transport errors and timed-out attempts with exponential backoff and
// seeded jitter (honouring Retry-After), never other 4xx statuses, and
// respects the context throughout. [ConfigFromEnv] reads the endpoint
// from GYM_LLM_BASE_URL, GYM_LLM_MODEL and GYM_LLM_API_KEY, falling back
// to OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_API_KEY:
//
//	cfg, err := llm.ConfigFromEnv()
//	if err != nil { ... } // names the variables to set
//	client, err := llm.NewClient(cfg)
//	e, err := gym.Make[string, string]("pretrain/steplaw-text-v0", env.Options{"split": "test"})
//	res, err := llm.NewAgent(client).RunEpisode(ctx, e, env.SeedOf(1))
//	fmt.Println(res.FinalRegret, res.InvalidSteps, res.Usage.TotalTokens)
//
// An [Agent] sends the system prompt and the env's latest prompt (which
// holds the episode's history), checks each reply for a usable answer,
// asks once more with a correction message when there is none, and
// records the episode: steps, invalid steps, corrections, retries, final
// regret, return, token usage, wall time and the full transcript, which
// package transcript turns into fine-tuning data.
package llm
