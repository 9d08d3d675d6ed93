"""The board's routes, one router each: the leader's board, a member's seat page, a seat's terminals."""
