#!/bin/sh
# Stage one sets up routes, NAT and shaping from TB_NET and exits; stage two replaces this shell
# with the role's program (the container's command), so it receives SIGTERM directly.
set -e
node /app/node-image/netsetup/main.js
# settings netsetup leaves for the program (the link delay where the kernel has no netem)
if [ -f /run/tb-program.env ]; then . /run/tb-program.env; fi
exec "$@"
