// Package transcript turns episodes of the research envs' text views into
// chat transcripts for supervised fine-tuning of language models, as JSONL
// (one episode per line) or Parquet (one message per row).
//
// # JSONL schema
//
// Each line is one JSON object, one episode:
//
//	{
//	  "id":           string, non-empty: the episode's id in the data set
//	  "env":          string, non-empty: the env id, e.g. "pretrain/steplaw-text-v0"
//	  "target":       string: the episode's target experiment
//	  "seed":         integer >= 0: the seed the env was reset with
//	  "messages":     array of messages, see below
//	  "final_regret": number in [0, 1]: best normalised regret found at the target (0 is optimal)
//	  "return":       number: the sum of the episode's rewards (1 - final_regret for the research envs)
//	  "failed":       string, optional, non-empty: why the episode gave no usable answer (left out when it gave one)
//	}
//
// and each message is
//
//	{
//	  "role":    "system" | "user" | "assistant"
//	  "content": string
//	  "reward":  number, optional, assistant messages only: the reward of the step
//	  "regret":  number in [0, 1], optional, assistant messages only: best-so-far regret after the step
//	}
//
// Every field but "reward", "regret" and "failed" is required, no other
// field is allowed, and null is never a valid value. messages[0], and only
// it, is the system message; at least one assistant message follows.
// Files written before "failed" existed read as before. A user
// message is a prompt of the text view (the task, knobs, budget, context
// and the episode's runs so far); the assistant message after it is the
// answer taken as the env's step: one JSON object and nothing else (in a
// transcript that did not fail), e.g.
//
//	{"config": {"lr":0.00138107,"bs":728}}
//	{"config": {"lr":0.001,"bs":256}, "fidelity": "pretrain/N=5.48e8,D=5.48e10"}
//	{"stop": true}
//
// A failed transcript ("failed" set) is an episode in which no reply gave
// a usable answer, kept whole as data on what a model gets wrong: the
// env's prompts, the replies as received (any text; "reward" on those
// taken as steps) and the correction messages that asked again (user).
//
// [Validate] checks a line against this schema and names the first field
// that is wrong; [WriteJSONL] validates every transcript before writing it
// and [ReadJSONL] every line it reads. Most fine-tuning tools read the
// "messages" field directly and ignore the others.
//
// # Parquet
//
// [WriteParquet] writes one row per message with the columns id, env,
// target, seed (uint64), turn (int32, the message's index), role,
// content, reward and regret (float64, null when absent), final_regret,
// return, and failed (string, null for a transcript that did not fail);
// [ReadParquet] reads it back into the same transcripts, and reads files
// of earlier versions, without the column failed.
//
// # Producing transcripts
//
// [FromEpisode] converts an llm.EpisodeResult, keeping the steps whose
// reply gave a usable answer, in canonical JSON; for an episode without
// one it returns the failed transcript with an error matching
// [ErrNoAnswers]. [Record] plays a text
// view with any function that answers prompts, and [RecordPolicy] records
// a programmatic policy (policy.Policy) as a teacher without a language
// model: it renders the env's observations as the text view's prompts and
// the policy's actions as JSON answers.
package transcript
