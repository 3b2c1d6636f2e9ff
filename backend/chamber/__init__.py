"""XO-VAC+ thermal-vacuum chambers (protocols/vacuum.md): the socket.io client and the chamber model."""
