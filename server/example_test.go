package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/server"
)

// A trainer opens a session of the toy env, steps it and closes it.
func ExampleClient() {
	srv := server.New(server.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	c := server.NewClient(ts.URL, nil)
	session, obs, _, err := c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(42), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var x []float64
	if err := json.Unmarshal(obs, &x); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("observation length:", len(x))

	r, err := c.Step(ctx, session, 27) // probe grid point 27
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("done after one probe:", r.Done())

	_, err = c.Step(ctx, session, 64) // off the 8x8 grid
	fmt.Println(err)

	st, _ := c.State(ctx, session)
	fmt.Println("steps:", st.Steps)
	fmt.Println(c.Close(ctx, session))
	// Output:
	// observation length: 7
	// done after one probe: false
	// server: 422 Unprocessable Entity: env: action 64 is not in the action space Discrete(64)
	// steps: 1
	// <nil>
}
