"""Midtier's Streamlit dashboards: ``streamlit run dashboards/app.py``."""
