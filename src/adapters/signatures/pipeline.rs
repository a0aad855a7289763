//! One read of the data feeding two hashes at once: the caller's chunk handler (the BLAKE2b
//! prehash, a copy) runs on this thread while SHA-256 runs on a helper thread, so a
//! verification costs about as much as the slower hash alone. A fixed pool of buffers keeps
//! memory constant.

use std::io::{self, Read};
use std::sync::mpsc;
use std::thread;

use sha2::{Digest, Sha256};

/// Bytes read per chunk.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the reader and the SHA-256 thread.
const BUFFERS: usize = 4;

/// Why a pass stopped: the read, or the caller's handler.
pub(super) enum PassError<E> {
    Read(io::Error),
    Handler(E),
}

/// Reads `reader` to its end, handing each chunk to `on_chunk` in order; returns the SHA-256
/// and length of everything read.
pub(super) fn hash_pass<R: Read, E>(
    mut reader: R,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<([u8; 32], u64), PassError<E>> {
    let (to_sha, sha_input) = mpsc::sync_channel::<(Vec<u8>, usize)>(BUFFERS);
    let (give_back, pool) = mpsc::channel::<Vec<u8>>();
    for _ in 0..BUFFERS {
        // The receiver is alive here: this cannot fail.
        let _ = give_back.send(vec![0u8; CHUNK]);
    }
    thread::scope(|scope| {
        let sha = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for (buffer, len) in sha_input {
                hasher.update(&buffer[..len]);
                // The reader may have stopped early and dropped the pool: nothing to return to.
                let _ = give_back.send(buffer);
            }
            <[u8; 32]>::from(hasher.finalize())
        });
        let mut length = 0u64;
        let outcome = loop {
            let Ok(mut buffer) = pool.recv() else {
                break Err(PassError::Read(io::Error::other(
                    "the SHA-256 thread stopped",
                )));
            };
            let read = loop {
                match reader.read(&mut buffer) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let read = match read {
                Ok(0) => break Ok(()),
                Ok(read) => read,
                Err(e) => break Err(PassError::Read(e)),
            };
            if let Err(e) = on_chunk(&buffer[..read]) {
                break Err(PassError::Handler(e));
            }
            length += read as u64;
            if to_sha.send((buffer, read)).is_err() {
                break Err(PassError::Read(io::Error::other(
                    "the SHA-256 thread stopped",
                )));
            }
        };
        drop(to_sha);
        let digest = sha
            .join()
            .map_err(|_| PassError::Read(io::Error::other("the SHA-256 thread panicked")))?;
        outcome.map(|()| (digest, length))
    })
}
