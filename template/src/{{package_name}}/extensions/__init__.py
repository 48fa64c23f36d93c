"""Your code: routers, middleware, startup and shutdown hooks, and settings of your own.

Copier creates the modules of this package once and never rewrites them (`_skip_if_exists`
in the template), and the service's own modules import them, so adding a router, a
middleware, a hook or a setting needs no edit to a file the template updates. The README's
"Where your code goes" says which module takes what.
"""
