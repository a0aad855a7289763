//! Taking over the terminal and giving it back: raw mode and the alternate screen, a panic
//! hook that restores the terminal before the panic message prints, and Ctrl-Z.

use std::io;

use ratatui::DefaultTerminal;

/// The terminal in raw mode on the alternate screen; restored when dropped, whatever happens.
pub struct Console {
    pub terminal: DefaultTerminal,
}

impl Console {
    /// Takes over the terminal. ratatui's `try_init` installs the panic hook that restores
    /// the terminal first, so a panic message lands on a readable screen.
    pub fn start() -> io::Result<Console> {
        let terminal = ratatui::try_init()?;
        // Also record the panic in the log file, where the operator's report will look.
        let restore_and_print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            tracing::error!(panic = %info, "the console panicked");
            restore_and_print(info);
        }));
        Ok(Console { terminal })
    }

    /// Gives the terminal back to the shell and stops the process (as Ctrl-Z would outside
    /// raw mode); on `fg`, takes it over again and forgets what the screen showed.
    pub fn suspend(&mut self) -> io::Result<()> {
        ratatui::try_restore()?;
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
        self.terminal.clear()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
