//! Work spread over threads with results delivered in input order, as they finish.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Runs `f` over `items` on up to `threads` threads and hands each result to `emit` in
/// the order of `items`, as soon as it and all before it are done, so a long corpus is
/// printed while it is processed instead of held in memory. Items are handed out one at
/// a time, so uneven items still keep every thread busy. `emit` returns false to stop
/// early (a closed pipe): no further items are started.
pub fn for_each_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
    mut emit: impl FnMut(R) -> bool,
) {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        for item in items {
            if !emit(f(item)) {
                return;
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<(usize, R)>(threads * 16);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, f) = (&next, &stop, &f);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, f(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Results that finished before an earlier one, waiting for their turn.
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        'receive: while let Ok((i, r)) = rx.recv() {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&due) {
                due += 1;
                if !emit(r) {
                    stop.store(true, Ordering::Relaxed);
                    break 'receive;
                }
            }
        }
        // Unblocks any thread still sending, so the scope can end.
        drop(rx);
    });
}

#[cfg(test)]
mod tests {
    use super::for_each_in_order;

    fn collect(items: &[usize], threads: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for_each_in_order(
            items,
            threads,
            |&x| {
                // Uneven work, so later items often finish first.
                if x % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                x * 2
            },
            |r| {
                out.push(r);
                true
            },
        );
        out
    }

    #[test]
    fn results_arrive_in_input_order_with_every_item() {
        let items: Vec<usize> = (0..500).collect();
        let want: Vec<usize> = items.iter().map(|x| x * 2).collect();
        for threads in [1, 2, 4, 16] {
            assert_eq!(collect(&items, threads), want, "{threads} threads");
        }
        assert!(collect(&[], 2).is_empty());
    }

    #[test]
    fn stopping_early_starts_no_more_work() {
        let items: Vec<usize> = (0..10_000).collect();
        let started = std::sync::atomic::AtomicUsize::new(0);
        let mut got = Vec::new();
        for_each_in_order(
            &items,
            2,
            |&x| {
                started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if x >= 3 {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
                x
            },
            |r| {
                got.push(r);
                got.len() < 3
            },
        );
        assert_eq!(got, vec![0, 1, 2]);
        // Only what was in flight when the third result arrived runs past the stop
        // (all 10,000 would take half a second).
        assert!(started.into_inner() < 1_000);
    }
}
