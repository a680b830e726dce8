// Command gym-server serves every built-in env over HTTP with JSON bodies,
// so that trainers in other languages can drive them. See package server
// for the API.
//
// Usage:
//
//	gym-server [-addr 127.0.0.1:8080] [-idle 10m] [-max-sessions 1024] [-max-body 1048576] [-grace 30s]
//	           [-table-dir DIR] [-max-table-bytes 268435456] [-allow-host localhost,127.0.0.1,::1]
//	           [-read-header-timeout 10s] [-read-timeout 30s] [-write-timeout 1m] [-conn-idle 2m]
//
// Clients cannot make the server open files unless -table-dir names the one
// directory whose regular files the env option "table" may name. Requests
// must carry a Host header naming one of -allow-host (the loopback names by
// default) and POST bodies Content-Type: application/json, so that a web
// page cannot drive the server. The timeouts cut off slow or idle clients.
//
// It logs every request to standard error and shuts down gracefully on
// SIGINT or SIGTERM: it stops accepting connections, lets the requests in
// progress finish (for up to -grace) and closes every session's env.
//
// With curl:
//
//	curl -s localhost:8080/envs
//	curl -s localhost:8080/reset -H 'Content-Type: application/json' -d '{"env": "toy/grid-search-v0", "seed": 1}'
//	curl -s localhost:8080/step -H 'Content-Type: application/json' -d '{"session": "<id from reset>", "action": 27}'
//	curl -s 'localhost:8080/state?session=<id>'
//	curl -s localhost:8080/close -H 'Content-Type: application/json' -d '{"session": "<id>"}'
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
