// Command gds-ferretdb runs FerretDB v1.24.2 (a MongoDB-compatible server, not MongoDB)
// through its embeddable package, for the gds peer test suites.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics
// at start-up (build/version/version.txt is not in the module zip, FerretDB issue #2982); the
// embeddable package marks itself "embedded" and does not need that file.
//
// Usage: gds-ferretdb -listen 127.0.0.1:PORT -dir /existing/dir [-stdin-eof-exit]
// It prints "ready <address>" on stdout once the listener accepts connections, and stops on
// SIGINT/SIGTERM or, with -stdin-eof-exit, when its standard input closes (its parent died).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "existing directory for the SQLite databases")
	stdinExit := flag.Bool("stdin-eof-exit", false, "exit when standard input reaches EOF")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gds-ferretdb: -dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gds-ferretdb:", err)
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "gds-ferretdb:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gds-ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *stdinExit {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// Announce readiness once a TCP connection succeeds.
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", *listen, 200*time.Millisecond)
		if err == nil {
			_ = conn.Close()
			fmt.Println("ready", *listen)
			break
		}
		select {
		case <-done:
			fmt.Fprintln(os.Stderr, "gds-ferretdb: stopped before accepting connections")
			os.Exit(1)
		default:
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "gds-ferretdb: not listening after 30 s:", err)
			os.Exit(1)
		}
		time.Sleep(50 * time.Millisecond)
	}

	<-done
}
