"""The brand's daily and weekly reports: periods, the figures, the e-mail."""
