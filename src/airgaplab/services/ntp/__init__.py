"""chrony serves the lab its time: admin from the internet, the nodes from admin (the notes' NTP steps)."""
