"""Midtier's Scrapy project: one spider per source, all writing through midtier.loading."""
