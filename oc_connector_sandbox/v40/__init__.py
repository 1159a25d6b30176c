"""The sandbox's OpenCart 4.0.2.3 mode: the same shop tables answered the way a 4.0.2.3 shop answers."""
