/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The file backend: `file:DIR[?format=pb|json&max_bytes=N&fsync=0|1]`.
 *
 * Writes each signal's batches to DIR/<signal>-<n>.otlp, each batch an
 * Export*ServiceRequest behind a varint length (protobuf's delimited
 * convention; `otlpcat --delimited` reads it), or with format=json to
 * DIR/<signal>-<n>.jsonl, one OTLP/JSON request per line. A file is closed
 * and the next one opened when a batch would take it past max_bytes
 * (default 256 MiB); n starts after the highest one already in DIR. A
 * writer thread (not an lcore) does all file I/O, so the dataplane never
 * waits on a disk: submit() answers -EAGAIN when the thread's queue is
 * full. A failed write is a permanent error: the batch is completed
 * REJECTED with the errno message, and logged. See docs/backends.md.
 */
#ifndef OG_BACKEND_FILE_H
#define OG_BACKEND_FILE_H

#include <stdint.h>

#include "og_pipeline.h"

/** Operations of the file backend; register with og_backend_register(). */
extern const struct og_backend_ops og_backend_file_ops;

/** What a file backend did so far (read from any thread). */
struct og_backend_file_stats {
	uint64_t batches_written;
	uint64_t bytes_written; /**< framing included */
	uint64_t files_opened;
	uint64_t write_errors;
};

/** Copy @p be's counters (a file backend) into @p out. */
void og_backend_file_stats(const struct og_backend *be, struct og_backend_file_stats *out);

#endif /* OG_BACKEND_FILE_H */
