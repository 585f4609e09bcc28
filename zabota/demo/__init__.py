"""The Russian demo store «Пример»: seeded through the actions so the timeline is real."""
