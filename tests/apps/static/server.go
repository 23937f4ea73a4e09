// SPDX-License-Identifier: MIT
// The Go program of tests/apps/static.sh, built with CGO_ENABLED=0 and run
// unmodified under `toro run --app`: a net/http server. GET /hello answers a
// fixed line with its arguments, POST /echo sends the body back, GET /quit
// answers and then exits with status 5 (the exit must not lose the answer).
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go, args [%s], env GO_TEST [%s]\n",
			strings.Join(os.Args[1:], " "), os.Getenv("GO_TEST"))
	})
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// Whole before answering: Go's HTTP/1 server closes the request
		// body once the answer's header goes out.
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(b)
	})
	http.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		go func() {
			time.Sleep(100 * time.Millisecond)
			os.Exit(5)
		}()
	})
	fmt.Println("listening on :8080")
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
