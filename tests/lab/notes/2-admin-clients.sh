chronyc clients
