// Command gym-server serves every built-in env over HTTP with JSON bodies,
// so that trainers in other languages can drive them. See package server
// for the API.
//
// Usage:
//
//	gym-server [-addr 127.0.0.1:8080] [-idle 10m] [-max-sessions 1024] [-max-body 1048576] [-grace 30s]
//
// It logs every request to standard error and shuts down gracefully on
// SIGINT or SIGTERM: it stops accepting connections, lets the requests in
// progress finish (for up to -grace) and closes every session's env.
//
// With curl:
//
//	curl -s localhost:8080/envs
//	curl -s localhost:8080/reset -d '{"env": "toy/grid-search-v0", "seed": 1}'
//	curl -s localhost:8080/step -d '{"session": "<id from reset>", "action": 27}'
//	curl -s 'localhost:8080/state?session=<id>'
//	curl -s localhost:8080/close -d '{"session": "<id>"}'
//
// From Python with requests:
//
//	import requests
//	url = "http://127.0.0.1:8080"
//	r = requests.post(f"{url}/reset", json={"env": "pretrain/steplaw-v0", "seed": 0}).json()
//	session, obs = r["session"], r["observation"]
//	done = False
//	while not done:
//	    action = {"config": obs["target_configs"][0]}  # your agent here
//	    r = requests.post(f"{url}/step", json={"session": session, "action": action})
//	    r.raise_for_status()  # 4xx bodies are {"error": "..."}
//	    step = r.json()
//	    obs, done = step["observation"], step["terminated"] or step["truncated"]
//	requests.post(f"{url}/close", json={"session": session})
package main
