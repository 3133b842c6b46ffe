//! The payment-window clock: a thread that runs the sweep (reminders for unpaid
//! bank-transfer orders, then expiry past `pay_by`) once a minute, and right at start so
//! orders that fell due while the store was down are handled; the same round sends the
//! follow-up mails that are due and queues a tracking pull for courier shipments that
//! have gone quiet.

/// The thread that runs [`service::orders::sweep`](crate::service::orders::sweep) once a minute (and right at start, so orders that fell
/// due while the store was down are handled). Stops when the handle is dropped.
pub struct Sweeper {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    join: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

pub fn spawn_sweeper(app: std::sync::Arc<crate::app::App>, every: std::time::Duration) -> Sweeper {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let join = std::thread::Builder::new()
        .name("payment-sweep".into())
        .spawn(move || {
            let mut next = std::time::Instant::now();
            while !stop2.load(Ordering::SeqCst) {
                if std::time::Instant::now() >= next {
                    match crate::service::orders::sweep(&app, crate::db::now()) {
                        Ok((0, 0)) => {}
                        Ok((r, e)) => {
                            log::info!("{r} payment reminder(s) sent, {e} unpaid order(s) expired");
                        }
                        Err(e) => log::error!("payment sweep failed: {e}"),
                    }
                    // Back in stock, price drops, abandoned checkouts, reorder reminders.
                    match crate::service::follow_ups::sweep(&app, crate::db::now()) {
                        Ok(s) if s.mails() > 0 => {
                            log::info!("{} follow-up mail(s) queued", s.mails())
                        }
                        Ok(_) => {}
                        Err(e) => log::error!("follow-up sweep failed: {e}"),
                    }
                    // Courier shipments gone quiet get a tracking pull.
                    if let Err(e) = crate::service::shipping::sweep(&app, crate::db::now()) {
                        log::error!("tracking sweep failed: {e}");
                    }
                    next = std::time::Instant::now() + every;
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        })
        .expect("spawn payment sweeper");
    Sweeper {
        stop,
        join: Some(join),
    }
}
