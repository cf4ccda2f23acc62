"""The site as plain frozen data, the campaign's time, and the table of sections."""
