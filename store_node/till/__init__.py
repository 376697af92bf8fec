"""The till: server-rendered pages for cashiers and store managers."""
